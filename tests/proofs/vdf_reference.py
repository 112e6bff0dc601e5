#!/usr/bin/env python3
"""An independent reading of docs/VDF.md: derives the discriminant, the
generator, y = x^(2^T), the challenge l and pi = x^floor(2^T / l) with
Python integers and textbook composition, encodes (y, pi), and compares with
a proof file. Usage: vdf_reference.py INPUT_HEX T PROOF_FILE. Exit 0 if equal."""
import hashlib
import sys

SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p ** 0.5) + 1))]


def probable_prime(n):
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53]:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def first_prime(seed, size, fix):
    """The first probable prime among consecutive size-byte blocks of SHAKE256(seed)."""
    stream, i = b"", 0
    while True:
        if len(stream) < (i + 1) * size:
            stream = hashlib.shake_256(seed).digest(2 * len(stream) + 64 * size)
        n = fix(int.from_bytes(stream[i * size:(i + 1) * size], "big"))
        if probable_prime(n):
            return n
        i += 1


def xgcd(a, b):
    """(g, x, y) with a x + b y = g = gcd(a, b) >= 0."""
    x0, y0, x1, y1 = 1, 0, 0, 1
    while b:
        q = a // b
        a, b = b, a - q * b
        x0, x1 = x1, x0 - q * x1
        y0, y1 = y1, y0 - q * y1
    if a < 0:
        a, x0, y0 = -a, -x0, -y0
    return a, x0, y0


class Group:
    def __init__(self, D):
        self.D = D

    def reduce(self, f):
        a, b, _ = f
        while True:
            # b into (-a, a], then c from the discriminant
            b = b - 2 * a * ((b + a - 1) // (2 * a)) if b > a or b <= -a else b
            c = (b * b - self.D) // (4 * a)
            assert (b * b - self.D) % (4 * a) == 0
            if a < c or (a == c and b >= 0):
                return (a, b, c)
            a, b = c, -b

    def compose(self, f, g):
        a1, b1, c1 = f
        a2, b2, c2 = g
        s = (b1 + b2) // 2
        n = b2 - s
        g0, u0, v0 = xgcd(a1, a2)
        d, x, w = xgcd(g0, s)
        v = x * v0
        A = a1 * a2 // (d * d)
        B = (b2 + 2 * (a2 // d) * (-v * n - w * c2)) % (2 * A)
        return self.reduce((A, B, 0))


def encode(f):
    a, b, _ = f
    return a.to_bytes(64, "big") + bytes([1 if b < 0 else 0]) + abs(b).to_bytes(64, "big")


def main():
    inp, T, path = bytes.fromhex(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    p = first_prime(b"hypermesh/vdf/discriminant/v1" + len(inp).to_bytes(8, "big") + inp,
                    128, lambda n: n | (1 << 1023) | 7)
    G = Group(-p)
    x = G.reduce((2, 1, 0))
    y = x
    for _ in range(T):
        y = G.compose(y, y)
    l = first_prime(b"hypermesh/vdf/challenge/v1" + p.to_bytes(128, "big") + encode(x) +
                    encode(y) + T.to_bytes(8, "big"), 33, lambda n: n | (1 << 263) | 1)
    q = (1 << T) // l
    pi = G.reduce((1, 1, 0))
    for bit in bin(q)[2:] if q else "":
        pi = G.compose(pi, pi)
        if bit == "1":
            pi = G.compose(pi, x)
    want = encode(y) + encode(pi)
    got = open(path, "rb").read()
    if got != want:
        print("mismatch: reference %s... file %s..." % (want[:16].hex(), got[:16].hex()))
        return 1
    print("proof matches the reference (%d bytes)" % len(got))
    return 0


if __name__ == "__main__":
    sys.exit(main())
