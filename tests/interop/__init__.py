"""Interop harness: network namespaces (netns.py), strongSwan charon peers and an in-test PKI (strongswan.py),
and the iosflex router process under test (router.py).  Used by tests/test_interop_strongswan.py and
bench/bench_ike.py.  Needs root, iproute2 and the strongSwan packages that .ci/install-peers installs."""
