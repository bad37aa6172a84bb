"""名单比对 (list comparison) and 自助分析 (self-service analyses) on the warehouse's identities and staging data.

Reads the database and foundation only; records every job in the data services' audit log (services.audit).
"""
