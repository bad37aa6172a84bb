"""Data services (数据接口服务 / 数据共享): the audited query-service platform of issue 18.

services/catalogue/*.yaml   one file per query service and per sharing feed (validated by services.catalogue)
services/audit.py           the append-only, hash-chained audit log every service call and list comparison writes
services/app.py             one FastAPI application serving every catalogue service on 127.0.0.1:$SERVICES_PORT

Layer: beside cube | portal (.importlinter): reads the database and foundation only.
"""
