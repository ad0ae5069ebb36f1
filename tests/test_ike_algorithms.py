"""iosflex.crypto.algorithms: known answers (RFC 5903, RFC 7748, RFC 3526/2409 primes, RFC 4231 HMAC), prf+,
SKEYSEED / SK_* / child KEYMAT against an independent implementation, IOS display names."""

import hashlib
import random

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac

from iosflex.crypto import algorithms as A


def det_rng(seed=1):
    r = random.Random(seed)
    return lambda n: r.randbytes(n)


# --- MODP primes: recompute from the RFC formula p = 2^n - 2^(n-64) - 1 + 2^64 * ([2^(n-130) pi] + k) -----------

def _pi_fixed(bits):
    one = 1 << (bits + 64)

    def atan_inv(x):
        total, term, x2, n, sign = 0, one // x, x * x, 1, 1
        while term:
            total += sign * (term // n)
            term //= x2
            n += 2
            sign = -sign
        return total

    return (16 * atan_inv(5) - 4 * atan_inv(239)) >> 64


@pytest.mark.parametrize("group,n,k", [(1, 768, 149686), (2, 1024, 129093), (5, 1536, 741804),
                                       (14, 2048, 124476), (15, 3072, 1690314), (16, 4096, 240904)])
def test_modp_primes_match_rfc_formula(group, n, k):
    p = 2 ** n - 2 ** (n - 64) - 1 + 2 ** 64 * (_pi_fixed(n - 130) + k)
    assert int(A._MODP_P[group], 16) == p
    assert A.DH_GROUPS[group].ke_len * 8 == n


# --- ECP: RFC 5903 §8 ------------------------------------------------------------------------------------------

RFC5903 = {
    19: dict(
        i="C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
        gix="DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
        giy="5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
        r="C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
        grx="D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
        gry="56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
        girx="D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"),
    20: dict(
        i="099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194",
        gix="667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA",
        giy="9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
        r="41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC",
        grx="E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96FDA41D0774A3571",
        gry="DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
        girx="11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746"),
    21: dict(
        i="0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A095AA85"
          "A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D4A52",
        gix="0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBEE1E3BF"
            "42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176CED3E",
        giy="017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10AD8A788"
            "015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3926F9582",
        r="0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E9C677D"
          "600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB151685EB9",
        grx="00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A219B97C3"
            "56436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9460F",
        gry="015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87220B65"
            "36C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD17F0FC56A",
        girx="01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04D1427E"
             "73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3DDEA"),
}


@pytest.mark.parametrize("group", [19, 20, 21])
def test_ecp_rfc5903_vectors(group):
    v = {k: bytes.fromhex(x) for k, x in RFC5903[group].items()}
    ipriv, ike = A.load_private(group, v["i"])
    rpriv, rke = A.load_private(group, v["r"])
    assert ike == v["gix"] + v["giy"]  # x | y, no 0x04
    assert rke == v["grx"] + v["gry"]
    assert A.shared(group, ipriv, rke) == v["girx"]  # x coordinate only
    assert A.shared(group, rpriv, ike) == v["girx"]


@pytest.mark.parametrize("group", [19, 20, 21])
def test_ecp_rejects_bad_points(group):
    priv, pub = A.generate(group, det_rng())
    with pytest.raises(A.InvalidKeyExchange):
        A.shared(group, priv, pub[:-1])
    bad = bytearray(pub)
    bad[-1] ^= 1  # off the curve
    with pytest.raises(A.InvalidKeyExchange):
        A.shared(group, priv, bytes(bad))
    with pytest.raises(A.InvalidKeyExchange):
        A.shared(group, priv, bytes(len(pub)))


def test_x25519_rfc7748():
    a = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    b = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    apriv, apub = A.load_private(31, a)
    bpriv, bpub = A.load_private(31, b)
    assert apub.hex() == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    assert bpub.hex() == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    assert A.shared(31, apriv, bpub).hex() == k
    assert A.shared(31, bpriv, apub).hex() == k


def test_x25519_rejects_low_order_points():
    priv, _ = A.generate(31, det_rng())
    for low in (bytes(32), (1).to_bytes(32, "little")):
        with pytest.raises(A.InvalidKeyExchange):
            A.shared(31, priv, low)
    with pytest.raises(A.InvalidKeyExchange):
        A.shared(31, priv, bytes(31))


@pytest.mark.parametrize("group", [1, 2, 5, 14])
def test_modp_against_python_pow(group):
    p = int(A._MODP_P[group], 16)
    x, y = 0x1234567890ABCDEF1234567890ABCDEF, 0xFEDCBA0987654321FEDCBA0987654321
    xpriv, xpub = A.load_private(group, x)
    ypriv, ypub = A.load_private(group, y)
    size = A.DH_GROUPS[group].ke_len
    assert xpub == pow(2, x, p).to_bytes(size, "big")
    s = A.shared(group, xpriv, ypub)
    assert s == pow(2, x * y, p).to_bytes(size, "big")  # padded to the modulus length
    assert s == A.shared(group, ypriv, xpub)


@pytest.mark.parametrize("group", [15, 16])
def test_modp_large_groups_agree(group):
    a, apub = A.generate(group, det_rng(1))
    b, bpub = A.generate(group, det_rng(2))
    assert A.shared(group, a, bpub) == A.shared(group, b, apub)
    assert len(apub) == A.DH_GROUPS[group].ke_len


def test_modp_rejects_degenerate_values():
    priv, pub = A.generate(14, det_rng())
    p = int(A._MODP_P[14], 16)
    for y in (0, 1, p - 1, p, 2 ** 2048 - 1):
        with pytest.raises(A.InvalidKeyExchange):
            A.shared(14, priv, y.to_bytes(256, "big"))
    with pytest.raises(A.InvalidKeyExchange):
        A.shared(14, priv, pub[1:])


def test_generate_is_deterministic_with_rng():
    for g in (2, 14, 19, 20, 21, 31):
        assert A.generate(g, det_rng(7))[1] == A.generate(g, det_rng(7))[1]
        assert A.generate(g, det_rng(7))[1] != A.generate(g, det_rng(8))[1]


def test_unsupported():
    with pytest.raises(A.AlgorithmError):
        A.get_dh(22)
    with pytest.raises(A.AlgorithmError):
        A.get_encr(12, 100)
    with pytest.raises(A.AlgorithmError):
        A.get_encr(12)
    with pytest.raises(A.AlgorithmError):
        A.get_prf(4)
    with pytest.raises(A.AlgorithmError):
        A.get_integ(5)
    assert not A.encr_supported(20, 64) and A.encr_supported(20, 256)


# --- PRF / prf+ ------------------------------------------------------------------------------------------------

def test_hmac_rfc4231_case2():
    k, d = b"Jefe", b"what do ya want for nothing?"
    assert A.prf(A.PRF_HMAC_SHA2_256, k, d).hex() == \
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert A.prf(A.PRF_HMAC_SHA2_512, k, d).hex().startswith("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd6")
    assert A.get_integ(A.AUTH_HMAC_SHA2_256_128)(k, d).hex() == "5bdcc146bf60754e6a042426089575c7"


def _c_prf(h, key, data):
    m = c_hmac.HMAC(key, h())
    m.update(data)
    return m.finalize()


@pytest.mark.parametrize("prf_id,h", [(1, hashes.MD5), (2, hashes.SHA1), (5, hashes.SHA256), (6, hashes.SHA384),
                                      (7, hashes.SHA512)])
def test_prf_plus_against_independent(prf_id, h):
    key, seed = b"K" * 20, b"seed-bytes"
    t, out, i = b"", b"", 1
    while len(out) < 300:
        t = _c_prf(h, key, t + seed + bytes((i,)))
        out += t
        i += 1
    assert A.prf_plus(prf_id, key, seed, 300) == out[:300]
    assert A.prf(prf_id, key, seed) == _c_prf(h, key, seed)


def test_prf_plus_limit():
    with pytest.raises(A.AlgorithmError):
        A.prf_plus(2, b"k", b"s", 20 * 255 + 1)
    assert len(A.prf_plus(2, b"k", b"s", 20 * 255)) == 20 * 255


# --- key derivation --------------------------------------------------------------------------------------------

def _ref_ike_keys(h, hl, ni, nr, spi_i, spi_r, gir, ekl, akl):
    seed = _c_prf(h, ni + nr, gir)
    s = ni + nr + spi_i + spi_r
    need = 3 * hl + 2 * akl + 2 * ekl
    km, t, i = b"", b"", 1
    while len(km) < need:
        t = _c_prf(h, seed, t + s + bytes((i,)))
        km += t
        i += 1
    out, o = [], 0
    for ln in (hl, akl, akl, ekl, ekl, hl, hl):
        out.append(km[o:o + ln])
        o += ln
    return seed, out


@pytest.mark.parametrize("encr,integ", [((12, 256), 12), ((12, 128), 2), ((3, None), 2), ((20, 256), None),
                                        ((20, 128), None), ((12, 192), 14)])
def test_ike_keys_split(encr, integ):
    ni, nr, si, sr, gir = b"\x01" * 32, b"\x02" * 32, b"\x03" * 8, b"\x04" * 8, b"\x05" * 64
    e = A.get_encr(*encr)
    i = A.get_integ(integ) if integ else None
    keys = A.ike_keys(A.PRF_HMAC_SHA2_256, e, i, ni, nr, si, sr, gir)
    seed, ref = _ref_ike_keys(hashes.SHA256, 32, ni, nr, si, sr, gir, e.key_len, i.key_len if i else 0)
    assert keys.skeyseed == seed
    assert [keys.sk_d, keys.sk_ai, keys.sk_ar, keys.sk_ei, keys.sk_er, keys.sk_pi, keys.sk_pr] == ref
    if e.aead:
        assert keys.sk_ai == b"" and len(keys.sk_ei) == e.key_bits // 8 + 4  # salt included
    # rekey: SKEYSEED = prf(SK_d(old), g^ir(new) | Ni | Nr)
    seed2 = A.rekey_skeyseed(A.PRF_HMAC_SHA2_256, keys.sk_d, gir, ni, nr)
    assert seed2 == _c_prf(hashes.SHA256, keys.sk_d, gir + ni + nr)
    k2 = A.ike_keys(A.PRF_HMAC_SHA2_256, e, i, ni, nr, si, sr, seed=seed2)
    assert k2.skeyseed == seed2 and k2.sk_d != keys.sk_d


def test_child_keymat_order():
    sk_d, ni, nr = b"d" * 32, b"i" * 32, b"r" * 32
    e, i = A.get_encr(12, 256), A.get_integ(12)
    km = A.prf_plus(5, sk_d, ni + nr, 2 * (32 + 32))
    assert A.child_keymat(5, sk_d, ni, nr, e, i) == (km[:32], km[32:64], km[64:96], km[96:128])
    g = b"g" * 32
    km = A.prf_plus(5, sk_d, g + ni + nr, 2 * (36 + 0))
    assert A.child_keymat(5, sk_d, ni, nr, A.get_encr(20, 256), None, g) == (km[:36], b"", km[36:], b"")


# --- display ---------------------------------------------------------------------------------------------------

def test_show_and_debug_names():
    assert A.show_transforms((12, 256), 5, 12, 19) == "Encr: AES-CBC, keysize: 256, PRF: SHA256, Hash: SHA256, DH Grp:19"
    assert A.show_transforms((3, None), 2, 2, 2) == "Encr: 3DES, PRF: SHA1, Hash: SHA96, DH Grp:2"
    assert A.show_transforms((12, 256), 7, 14, 5) == "Encr: AES-CBC, keysize: 256, PRF: SHA512, Hash: SHA512, DH Grp:5"
    assert A.show_transforms((20, 256), 6, None, 20).startswith("Encr: AES-GCM, keysize: 256, PRF: SHA384, Hash: None")
    names = [A.transform_debug_name(1, 12, 256), A.transform_debug_name(2, 5), A.transform_debug_name(3, 12),
             A.transform_debug_name(4, 19)]
    assert "   ".join(names) == "AES-CBC   SHA256   SHA256   DH_GROUP_256_ECP/Group 19"
    assert A.transform_debug_name(4, 5) == "DH_GROUP_1536_MODP/Group 5"
    assert A.transform_debug_name(3, 2) == "SHA96"
    assert A.transform_debug_name(5, 0) == "Don't use ESN"
    assert A.notify_name(A.ESP_TFC_PADDING_NOT_SUPPORTED) == "ESP_TFC_NO_SUPPORT"
    assert A.notify_name(A.NON_FIRST_FRAGMENTS_ALSO) == "NON_FIRST_FRAGS"
    assert A.notify_name(A.NAT_DETECTION_SOURCE_IP) == "NAT_DETECTION_SOURCE_IP"
    assert A.CP_ATTR_NAMES[28672] == "banner" and A.CP_ATTR_NAMES[28681] == "backup-gateway"


def test_fragmentation_vid_constant():
    from iosflex.crypto import codec
    assert codec.VID_FRAGMENTATION.hex() == "4048b7d56ebce88525e7de7f00d6c2d3"
    assert hashlib.md5(b"FRAGMENTATION").digest() == codec.CISCO_SA_INIT_VIDS[3]


@pytest.mark.parametrize("group", [19, 20, 21])
def test_ec_group_orders(group):
    from cryptography.hazmat.primitives.asymmetric import ec
    n = A._EC_ORDER[group]
    ec.derive_private_key(n - 1, A._EC_CURVES[group]())
    with pytest.raises(ValueError):
        ec.derive_private_key(n, A._EC_CURVES[group]())
