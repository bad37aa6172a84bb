"""The embedded server's start-up failure is told in words, with what to do when the port is taken."""
from runtime.pg import start_failure

PORT_TAKEN = """2026-12-07 05:15:22.282 UTC [14527] LOG:  could not bind IPv4 address "127.0.0.1": Address already in use
2026-12-07 05:15:22.282 UTC [14527] HINT:  Is another postmaster already running on port 55432? If not, wait a few seconds and retry.
2026-12-07 05:15:22.282 UTC [14527] WARNING:  could not create listen socket for "127.0.0.1"
2026-12-07 05:15:22.282 UTC [14527] FATAL:  could not create any TCP/IP sockets
2026-12-07 05:15:22.307 UTC [14527] LOG:  database system is shut down
"""


def test_port_in_use_names_the_port_the_log_and_the_setting(tmp_path):
    log = tmp_path / "server.log"
    log.write_text(PORT_TAKEN, encoding="utf-8")
    msg = start_failure(log, 55432)
    assert "127.0.0.1:55432" in msg and str(log) in msg
    assert "could not create any TCP/IP sockets" in msg
    assert "WAREHOUSE_PG_PORT" in msg and "已被占用" in msg


def test_other_failures_give_the_fatal_line_without_the_port_advice(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("2026-12-07 LOG:  starting\n2026-12-07 FATAL:  data directory has wrong ownership\n",
                   encoding="utf-8")
    msg = start_failure(log, 55432)
    assert msg.endswith("data directory has wrong ownership")
    assert "WAREHOUSE_PG_PORT" not in msg


def test_a_missing_log_still_gives_a_message(tmp_path):
    assert "未能启动" in start_failure(tmp_path / "absent.log", 55432)
