"""The reference initiator over real UDP (loopback, unprivileged ports) against the asyncio driver."""

from __future__ import annotations

import asyncio

import pytest

from iosflex.crypto import algorithms as A
from iosflex.crypto import client, driver
from iosflex.crypto.client import parse_identity
from iosflex.router import Router


def test_parse_identity():
    assert parse_identity("fqdn:router1.domain1") == (A.ID_FQDN, b"router1.domain1")
    assert parse_identity("address:1.2.3.4") == (A.ID_IPV4_ADDR, bytes([1, 2, 3, 4]))
    with pytest.raises(ValueError):
        parse_identity("bogus")


def test_parse_options():
    assert driver.parse_binds(["Ethernet0/0=veth1"]) == {"Ethernet0/0": "veth1"}
    assert driver.parse_ports("1500,14500") == (1500, 14500)
    with pytest.raises(ValueError):
        driver.parse_binds(["Ethernet0/0"])


def test_udp_round_trip_many_clients():
    r = Router(None, default_if_missing=True)
    r.load_startup()

    async def go():
        drv = await driver.start(r, {}, ports=(15500, 15501), host_addresses=["127.0.0.1"])
        try:
            res = await asyncio.gather(*[
                client.connect("127.0.0.1", 15500, 15501, psk=b"pre_shared_key",
                               identity=(A.ID_FQDN, f"c{i}.domain1".encode()), timeout=10, cfg_request=True)
                for i in range(3)])
            return res, len(r.crypto.sa_states())
        finally:
            drv.close()

    res, n = asyncio.run(go())
    assert all(ini.established for ini in res), [ini.failed for ini in res]
    assert sorted(ini.address for ini in res) == ["10.10.10.1", "10.10.10.2", "10.10.10.3"]
    assert n == 3


def test_client_command_numbers_identities_so_each_client_is_a_peer_of_its_own(capsys):
    """`iosflex client --count 3 --id fqdn:user{n}.domain1`: three peers, three addresses from the pool."""
    r = Router(None, default_if_missing=True)
    r.load_startup()

    async def go(ident, port):
        drv = await driver.start(r, {}, ports=(port, port + 1), host_addresses=["127.0.0.1"])
        try:
            args = client._build_parser().parse_args(
                ["--peer", "127.0.0.1", "--port", str(port), "--natt-port", str(port + 1), "--psk", "pre_shared_key",
                 "--cfg-request", "--count", "3", "--id", ident, "--timeout", "10"])
            rc = await client._run(args)
            return rc, sorted(str(st.remote_id.data, "ascii") for st in r.crypto.sa_states())
        finally:
            drv.close()

    rc, ids = asyncio.run(go("fqdn:user{n}.domain1", 15520))
    out = capsys.readouterr().out
    assert rc == 0 and "3/3 established" in out
    assert ids == ["user1.domain1", "user2.domain1", "user3.domain1"]
    assert {line.split("address ")[1].split()[0] for line in out.splitlines() if " UP " in line} == {
        "10.10.10.1", "10.10.10.2", "10.10.10.3"}
