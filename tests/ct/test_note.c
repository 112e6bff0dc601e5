/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed notes and checkpoints: the signed-note specification's own example
 * key and signature (a known answer: Ed25519 is deterministic), round trips
 * with fresh keys and with the log, and refusal of every tampered or
 * malformed note, verifier key and checkpoint text.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypermesh/ct_log.h"
#include "hypermesh/ct_note.h"
#include "hypermesh/ed25519.h"
#include "hypermesh/encoding.h"
#include "hypermesh/error.h"
#include "hypermesh/sig.h"
#include "test.h"

#define H HM_CT_HASH_LEN

/*
 * The example of golang.org/x/mod/sumdb/note's documentation (also used by
 * the signed-note implementations that follow it): the secret key
 * "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
 * (type 0x01 || seed), its verifier key, and the note it signs.
 */
static const char pn_seed_b64[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char pn_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char pn_text[] = "If you think cryptography is the answer to your problem,\n"
                              "then you don't know what your problem is.\n";
static const char pn_note[] =
        "If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n"
        "\n"
        "\xe2\x80\x94 PeterNeumann "
        "x08go/ZJkuBS9UG/"
        "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

static void pn_signer(struct hm_ct_note_signer *s)
{
	uint8_t typed[33], sk[64];
	size_t n;

	CHECK_ERR(hm_base64_decode(typed, sizeof(typed), &n, pn_seed_b64, strlen(pn_seed_b64)),
	          HM_OK);
	CHECK(n == 33 && typed[0] == 0x01);
	memcpy(sk, typed + 1, 32);
	hm_ed25519_public_key(sk + 32, sk);
	CHECK_ERR(hm_ct_note_signer_init(s, "PeterNeumann", HM_SIG_ED25519, sk, sizeof(sk)), HM_OK);
}

static void test_known_answer(void)
{
	struct hm_ct_note_signer s;
	struct hm_ct_note_vkey k;
	struct hm_buf b;
	size_t text_len;

	pn_signer(&s);
	hm_buf_init(&b);
	CHECK_ERR(hm_ct_note_vkey_format(&s.vkey, &b), HM_OK);
	CHECK(b.len == strlen(pn_vkey) && memcmp(b.data, pn_vkey, b.len) == 0);
	CHECK_EQ(s.vkey.key_id, 0xc74f20a3);
	b.len = 0;
	CHECK_ERR(hm_ct_note_sign(&s, pn_text, strlen(pn_text), &b), HM_OK);
	CHECK(b.len == strlen(pn_note) && memcmp(b.data, pn_note, b.len) == 0);

	CHECK_ERR(hm_ct_note_vkey_parse(&k, pn_vkey, strlen(pn_vkey)), HM_OK);
	CHECK(memcmp(k.pk, s.vkey.pk, 32) == 0 && k.key_id == s.vkey.key_id);
	CHECK(strcmp(k.name, "PeterNeumann") == 0 && k.name_len == 12);
	CHECK_ERR(hm_ct_note_verify(pn_note, strlen(pn_note), &k, 1, &text_len), HM_OK);
	CHECK_EQ(text_len, strlen(pn_text));
	hm_ct_note_signer_wipe(&s);
	hm_buf_free(&b);
}

static void fresh_signer(struct hm_ct_note_signer *s, const char *name)
{
	uint8_t pk[HM_SIG_PK_MAX], sk[HM_SIG_SK_MAX];

	CHECK_ERR(hm_sig_keygen(HM_SIG_ED25519, pk, sizeof(pk), sk, sizeof(sk)), HM_OK);
	CHECK_ERR(hm_ct_note_signer_init(s, name, HM_SIG_ED25519, sk, 64), HM_OK);
}

/*
 * Interoperability: a checkpoint served by the Go checksum database
 * (sum.golang.org, tree size 65,664,258), signed by Google's log key, whose
 * verifier key is GOSUMDB's published default.
 */
static const char sumdb_vkey[] =
        "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
static const char sumdb_note[] = "go.sum database tree\n"
                                 "65664258\n"
                                 "WVVNVD2qx+fTq31zkj6UAqxT5X6HvGphGM+o8Thnbsg=\n"
                                 "\n"
                                 "\xe2\x80\x94 sum.golang.org "
                                 "Az3grligJmgX7KGyGPKybykNTh3VgsbLvUuvOwrM5zLVlulmFp2wdvbxOw74/"
                                 "gcNxURShXEpb7RXcs3+BYflYN+w0gQ=\n";

static void test_sumdb_checkpoint(void)
{
	struct hm_ct_note_vkey k;
	struct hm_ct_checkpoint cp;
	char bent[sizeof(sumdb_note)];
	uint8_t root[H];
	size_t n;

	CHECK_ERR(hm_ct_note_vkey_parse(&k, sumdb_vkey, strlen(sumdb_vkey)), HM_OK);
	CHECK_ERR(hm_ct_checkpoint_open(&cp, sumdb_note, strlen(sumdb_note), "go.sum database tree",
	                                &k, 1),
	          HM_OK);
	CHECK(cp.tree_size == 65664258);
	CHECK_ERR(hm_base64_decode(root, sizeof(root), &n,
	                           "WVVNVD2qx+fTq31zkj6UAqxT5X6HvGphGM+o8Thnbsg=", 44),
	          HM_OK);
	CHECK(memcmp(cp.root, root, H) == 0);
	CHECK(cp.origin_len == 20 && cp.extensions_len == 0);
	/* One digit of the size changed. */
	memcpy(bent, sumdb_note, sizeof(bent));
	bent[28] = '9';
	CHECK_ERR(hm_ct_checkpoint_open(&cp, bent, strlen(bent), "go.sum database tree", &k, 1),
	          HM_ERR_VERIFY);
	/* Our own key under Google's name is another key: no trusted signature. */
	{
		struct hm_ct_note_signer s;
		fresh_signer(&s, "sum.golang.org");
		CHECK_ERR(hm_ct_checkpoint_open(&cp, sumdb_note, strlen(sumdb_note),
		                                "go.sum database tree", &s.vkey, 1),
		          HM_ERR_VERIFY);
		hm_ct_note_signer_wipe(&s);
	}
}

static int verify_str(const char *note, size_t len, const struct hm_ct_note_vkey *k)
{
	size_t tl;
	return hm_ct_note_verify(note, len, k, 1, &tl);
}

static void test_tampering(void)
{
	struct hm_ct_note_signer s, other;
	struct hm_buf b;
	char *n;
	size_t len, tl, text_len = strlen(pn_text);

	fresh_signer(&s, "example.com/log");
	fresh_signer(&other, "example.com/log"); /* same name, another key */
	hm_buf_init(&b);
	CHECK_ERR(hm_ct_note_sign(&s, pn_text, text_len, &b), HM_OK);
	len = b.len;
	n = malloc(len + 256); /* room for a second signature line */
	CHECK(n != NULL);
	if (n == NULL)
		return;
	memcpy(n, b.data, len);
	CHECK_ERR(hm_ct_note_verify(n, len, &s.vkey, 1, &tl), HM_OK);
	CHECK_EQ(tl, text_len);

	/* Every single-bit flip anywhere is refused. */
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			n[i] ^= (char)(1 << bit);
			CHECK(verify_str(n, len, &s.vkey) != HM_OK);
			n[i] ^= (char)(1 << bit);
		}
	}
	/* Another key under the same name: its signature is ignored, so none verifies. */
	CHECK_ERR(verify_str(n, len, &other.vkey), HM_ERR_VERIFY);
	/* No keys at all. */
	CHECK_ERR(hm_ct_note_verify(n, len, NULL, 0, &tl), HM_ERR_VERIFY);
	CHECK_EQ(tl, 0);

	/* A wrong key ID with the right name: an unknown key, ignored -> no signature. */
	{
		struct hm_ct_note_vkey k = s.vkey;
		k.key_id ^= 1;
		CHECK_ERR(verify_str(n, len, &k), HM_ERR_VERIFY);
		/* Same ID, another name. */
		k = s.vkey;
		memcpy(k.name, "example.com/lox", 15);
		CHECK_ERR(verify_str(n, len, &k), HM_ERR_VERIFY);
	}
	/* Whitespace and structure. */
	{
		struct {
			const char *what;
			size_t at;     /* where to insert/replace */
			const char *s; /* what to insert */
			size_t del;    /* bytes removed there first */
			int rc;
		} cases[] = {
			{ "space before newline", len - 1, " ", 0, HM_ERR_ENCODING },
			{ "CR before newline", len - 1, "\r", 0, HM_ERR_ENCODING },
			{ "missing final newline", len - 1, "", 1, HM_ERR_ENCODING },
			{ "two spaces after the dash", text_len + 1 + 3, " ", 0, HM_ERR_ENCODING },
			{ "two spaces before the signature", text_len + 1 + 4 + 15, " ", 0,
			  HM_ERR_ENCODING },
			{ "no blank line", text_len, "", 1, HM_ERR_ENCODING },
			{ "trailing empty line", len, "\n", 0, HM_ERR_ENCODING },
			{ "ASCII dash", text_len + 1, "-", 3, HM_ERR_ENCODING },
			{ "tab in the text", 3, "\t", 0, HM_ERR_ENCODING },
			{ "NUL in the text", 3, "\0", 0, HM_ERR_ENCODING },
			{ "bad UTF-8", 3, "\xc3", 0, HM_ERR_ENCODING },
			{ "overlong UTF-8", 3, "\xc0\xa0", 0, HM_ERR_ENCODING },
			{ "surrogate", 3, "\xed\xa0\x80", 0, HM_ERR_ENCODING },
			{ "malformed unknown line", len, "\xe2\x80\x94 other AAAA\n", 0,
			  HM_ERR_ENCODING },
			{ "unknown line without signature", len, "\xe2\x80\x94 other\n", 0,
			  HM_ERR_ENCODING },
			{ "unknown line, name with +", len,
			  "\xe2\x80\x94 a+b "
			  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			  "AAAAAAAAAAAAAAAAAA==\n",
			  0, HM_ERR_ENCODING },
			{ "unknown well-formed line", len, "\xe2\x80\x94 other AAAAAAE=\n", 0,
			  HM_OK },
			{ "a blank line after the text only", text_len, "\n", 0, HM_OK },
		};
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			size_t ins =
			        cases[c].s[0] == '\0' && cases[c].del == 0 ? 1 : strlen(cases[c].s);
			char *m = malloc(len + ins + 1);
			size_t mlen = 0;
			int rc;
			if (m == NULL)
				break;
			memcpy(m, n, cases[c].at);
			mlen = cases[c].at;
			memcpy(m + mlen, cases[c].s, ins);
			mlen += ins;
			memcpy(m + mlen, n + cases[c].at + cases[c].del,
			       len - cases[c].at - cases[c].del);
			mlen += len - cases[c].at - cases[c].del;
			rc = verify_str(m, mlen, &s.vkey);
			/* Changing the text's end changes what was signed. */
			if (cases[c].rc == HM_OK && cases[c].at == text_len)
				cases[c].rc = HM_ERR_VERIFY;
			if (rc != cases[c].rc) {
				fprintf(stderr, "%s: %s, want %s\n", cases[c].what, hm_strerror(rc),
				        hm_strerror(cases[c].rc));
				CHECK(0);
			}
			free(m);
		}
	}
	/* The signature line of another key for the same text, added: still fine. */
	{
		struct hm_buf b2;
		hm_buf_init(&b2);
		CHECK_ERR(hm_ct_note_sign(&other, pn_text, text_len, &b2), HM_OK);
		memcpy(n + len, b2.data + text_len + 1, b2.len - text_len - 1);
		CHECK_ERR(verify_str(n, len + b2.len - text_len - 1, &s.vkey), HM_OK);
		CHECK_ERR(verify_str(n, len + b2.len - text_len - 1, &other.vkey), HM_OK);
		/* Both trusted at once. */
		{
			struct hm_ct_note_vkey both[2] = { s.vkey, other.vkey };
			CHECK_ERR(hm_ct_note_verify(n, len + b2.len - text_len - 1, both, 2, &tl),
			          HM_OK);
		}
		/* A trusted key whose signature fails spoils the note, even beside a good one. */
		n[len + b2.len - text_len - 1 - 5] ^= 0x01; /* inside other's base64 */
		{
			struct hm_ct_note_vkey both[2] = { s.vkey, other.vkey };
			CHECK(hm_ct_note_verify(n, len + b2.len - text_len - 1, both, 2, &tl) !=
			      HM_OK);
		}
		hm_buf_free(&b2);
	}
	free(n);
	hm_ct_note_signer_wipe(&s);
	hm_ct_note_signer_wipe(&other);
	hm_buf_free(&b);
}

static void test_limits(void)
{
	struct hm_ct_note_signer s;
	struct hm_buf b;
	static char big[HM_CT_NOTE_MAX + 2];
	size_t tl;

	fresh_signer(&s, "example.com/log");
	hm_buf_init(&b);
	/* Text too long to sign. */
	memset(big, 'a', sizeof(big));
	big[HM_CT_NOTE_MAX] = '\n';
	CHECK_ERR(hm_ct_note_sign(&s, big, HM_CT_NOTE_MAX + 1, &b), HM_ERR_TOO_LARGE);
	CHECK_ERR(hm_ct_note_verify(big, HM_CT_NOTE_MAX + 1, &s.vkey, 1, &tl), HM_ERR_TOO_LARGE);
	CHECK_EQ(b.len, 0);
	/* Bad texts. */
	CHECK_ERR(hm_ct_note_sign(&s, "", 0, &b), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_note_sign(&s, "abc", 3, &b), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_note_sign(&s, "a\rb\n", 4, &b), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_note_sign(&s, "a\xff\n", 3, &b), HM_ERR_INVALID);
	CHECK_EQ(b.len, 0);
	/* 100 signature lines are read, 101 are too many. */
	CHECK_ERR(hm_ct_note_sign(&s, "x\n", 2, &b), HM_OK);
	for (int i = 1; i < HM_CT_NOTE_SIGS_MAX; i++)
		CHECK_ERR(hm_buf_append(&b, "\xe2\x80\x94 o AAAAAAE=\n", 15), HM_OK);
	CHECK_ERR(hm_ct_note_verify((const char *)b.data, b.len, &s.vkey, 1, &tl), HM_OK);
	CHECK_ERR(hm_buf_append(&b, "\xe2\x80\x94 o AAAAAAE=\n", 15), HM_OK);
	CHECK_ERR(hm_ct_note_verify((const char *)b.data, b.len, &s.vkey, 1, &tl),
	          HM_ERR_TOO_LARGE);
	hm_ct_note_signer_wipe(&s);
	hm_buf_free(&b);
}

static void test_signer_init(void)
{
	struct hm_ct_note_signer s;
	uint8_t pk[HM_SIG_PK_MAX], sk[HM_SIG_SK_MAX];

	CHECK_ERR(hm_sig_keygen(HM_SIG_ED25519, pk, sizeof(pk), sk, sizeof(sk)), HM_OK);
	CHECK_ERR(hm_ct_note_signer_init(&s, "a", HM_SIG_ED25519, sk, 64), HM_OK);
	CHECK_ERR(hm_ct_note_signer_init(&s, "a", HM_SIG_ED25519, sk, 32), HM_ERR_LENGTH);
	CHECK_ERR(hm_ct_note_signer_init(&s, "a", HM_SIG_MLDSA44, sk, 64), HM_ERR_UNSUPPORTED);
	CHECK_ERR(hm_ct_note_signer_init(&s, "", HM_SIG_ED25519, sk, 64), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_note_signer_init(&s, "a b", HM_SIG_ED25519, sk, 64), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_note_signer_init(&s, "a+b", HM_SIG_ED25519, sk, 64), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_note_signer_init(&s,
	                                 "a\xc2\xa0"
	                                 "b",
	                                 HM_SIG_ED25519, sk, 64),
	          HM_ERR_INVALID); /* NO-BREAK SPACE */
	CHECK_ERR(hm_ct_note_signer_init(&s, "a\xe3\x80\x80", HM_SIG_ED25519, sk, 64),
	          HM_ERR_INVALID); /* IDEOGRAPHIC SPACE */
	CHECK_ERR(hm_ct_note_signer_init(&s, "caf\xc3\xa9", HM_SIG_ED25519, sk, 64), HM_OK);
	sk[40] ^= 1; /* the public half no longer the seed's */
	CHECK_ERR(hm_ct_note_signer_init(&s, "a", HM_SIG_ED25519, sk, 64), HM_ERR_INVALID);
	hm_ct_note_signer_wipe(&s);
}

static void test_vkey_parse(void)
{
	struct hm_ct_note_vkey k;
	struct {
		const char *s;
		int rc;
	} bad[] = {
		{ "", HM_ERR_ENCODING },
		{ "PeterNeumann", HM_ERR_ENCODING },
		{ "PeterNeumann+c74f20a3", HM_ERR_ENCODING },
		{ "PeterNeumann+c74f20a3+", HM_ERR_ENCODING },
		{ "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  HM_ERR_ENCODING },
		{ "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  HM_ERR_ENCODING },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW ",
		  HM_ERR_ENCODING },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n",
		  HM_ERR_ENCODING },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
		  HM_ERR_ENCODING },
		{ "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  HM_ERR_INVALID },
		{ "PeterNeumanm+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  HM_ERR_INVALID },
		{ "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", HM_ERR_INVALID },
		{ "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  HM_ERR_INVALID },
		/* Type 0x02 (ECDSA) and a key of the wrong length. */
		{ "PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  HM_ERR_UNSUPPORTED },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy",
		  HM_ERR_INVALID },
		/* The identity point (small order) under a fitting key ID is still refused. */
		{ "id+00000000+AQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", HM_ERR_INVALID },
	};

	CHECK_ERR(hm_ct_note_vkey_parse(&k, pn_vkey, strlen(pn_vkey)), HM_OK);
	/* The Go checksum database's published key (GOSUMDB's default): its key ID must check. */
	{
		static const char sumdb[] =
		        "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
		struct hm_buf b;
		CHECK_ERR(hm_ct_note_vkey_parse(&k, sumdb, strlen(sumdb)), HM_OK);
		CHECK_EQ(k.key_id, 0x033de0ae);
		hm_buf_init(&b);
		CHECK_ERR(hm_ct_note_vkey_format(&k, &b), HM_OK);
		CHECK(b.len == strlen(sumdb) && memcmp(b.data, sumdb, b.len) == 0);
		hm_buf_free(&b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = hm_ct_note_vkey_parse(&k, bad[i].s, strlen(bad[i].s));
		if (rc != bad[i].rc) {
			fprintf(stderr, "vkey \"%s\": %s, want %s\n", bad[i].s, hm_strerror(rc),
			        hm_strerror(bad[i].rc));
			CHECK(0);
		}
		CHECK(k.name_len == 0 && k.key_id == 0);
	}
	/* Round trip of a fresh key. */
	{
		struct hm_ct_note_signer s;
		struct hm_buf b;
		fresh_signer(&s, "log.example/\xc3\xa9t\xc3\xa9");
		hm_buf_init(&b);
		CHECK_ERR(hm_ct_note_vkey_format(&s.vkey, &b), HM_OK);
		CHECK_ERR(hm_ct_note_vkey_parse(&k, (const char *)b.data, b.len), HM_OK);
		CHECK(k.key_id == s.vkey.key_id && memcmp(k.pk, s.vkey.pk, 32) == 0 &&
		      strcmp(k.name, s.vkey.name) == 0);
		hm_buf_free(&b);
		hm_ct_note_signer_wipe(&s);
	}
}

/* ---- checkpoints ---- */

static void test_checkpoint_with_log(void)
{
	const char *t = getenv("TMPDIR");
	char dir[256], path[300], lock[320];
	struct hm_ct_log *log = NULL;
	struct hm_ct_note_signer s, other;
	struct hm_ct_checkpoint cp;
	struct hm_buf b;
	uint8_t root[H];

	snprintf(dir, sizeof(dir), "%s/hm-ct-note-XXXXXX", t != NULL && *t ? t : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/log.mdb", dir);
	snprintf(lock, sizeof(lock), "%s-lock", path);
	CHECK_ERR(hm_ct_log_open(path, HM_CT_LOG_CREATE | HM_CT_LOG_NOSYNC, 0, &log), HM_OK);
	fresh_signer(&s, "hypermesh.example/ct");
	fresh_signer(&other, "hypermesh.example/ct");
	hm_buf_init(&b);

	for (uint64_t n = 0; n < 40; n += 13) {
		while (1) {
			uint64_t size;
			CHECK_ERR(hm_ct_log_size(log, &size), HM_OK);
			if (size >= n)
				break;
			CHECK_ERR(hm_ct_log_append(log, &size, sizeof(size), NULL), HM_OK);
		}
		b.len = 0;
		CHECK_ERR(hm_ct_checkpoint_sign(log, n, "hypermesh.example/ct", &s, &b), HM_OK);
		CHECK_ERR(hm_ct_checkpoint_open(&cp, (const char *)b.data, b.len,
		                                "hypermesh.example/ct", &s.vkey, 1),
		          HM_OK);
		CHECK_ERR(hm_ct_log_root(log, n, root), HM_OK);
		CHECK(cp.tree_size == n && memcmp(cp.root, root, H) == 0);
		CHECK(cp.origin_len == 20 && memcmp(cp.origin, "hypermesh.example/ct", 20) == 0);
		CHECK(cp.extensions_len == 0);
		/* Another origin, another key. */
		CHECK_ERR(hm_ct_checkpoint_open(&cp, (const char *)b.data, b.len,
		                                "hypermesh.example/c", &s.vkey, 1),
		          HM_ERR_VERIFY);
		CHECK(cp.origin == NULL && cp.tree_size == 0);
		CHECK_ERR(hm_ct_checkpoint_open(&cp, (const char *)b.data, b.len,
		                                "hypermesh.example/ct", &other.vkey, 1),
		          HM_ERR_VERIFY);
	}
	/* The empty tree's checkpoint carries SHA-256(""). */
	b.len = 0;
	CHECK_ERR(hm_ct_checkpoint_sign(log, 0, "o", &s, &b), HM_OK);
	{
		static const char want[] = "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n";
		CHECK(b.len > strlen(want) && memcmp(b.data, want, strlen(want)) == 0);
	}
	b.len = 0;
	CHECK_ERR(hm_ct_checkpoint_sign(log, 1000, "o", &s, &b), HM_ERR_RANGE);
	CHECK_ERR(hm_ct_checkpoint_sign(log, 1, "o o", &s, &b), HM_ERR_INVALID);
	CHECK_ERR(hm_ct_checkpoint_sign(log, 1, "", &s, &b), HM_ERR_INVALID);
	CHECK_EQ(b.len, 0);

	hm_buf_free(&b);
	hm_ct_note_signer_wipe(&s);
	hm_ct_note_signer_wipe(&other);
	hm_ct_log_close(log);
	unlink(path);
	unlink(lock);
	rmdir(dir);
}

#define ROOT_B64 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

static void test_checkpoint_parse(void)
{
	struct {
		const char *text;
		int rc;
	} cases[] = {
		{ "o\n0\n" ROOT_B64 "\n", HM_OK },
		{ "example.com/log\n18446744073709551615\n" ROOT_B64 "\n", HM_OK },
		{ "o\n5\n" ROOT_B64 "\next one\next two\n", HM_OK },
		{ "an origin with spaces\n5\n" ROOT_B64 "\n", HM_OK }, /* allowed by the spec */
		{ "o\n18446744073709551616\n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n99999999999999999999\n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n01\n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n00\n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n+1\n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n-1\n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n 1\n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n1 \n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n\n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n1\n" ROOT_B64 " \n", HM_ERR_ENCODING },
		{ "o\n1\n " ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n", HM_ERR_ENCODING },
		{ "o\n1\n47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", HM_ERR_ENCODING },
		/* The unused bits of the last symbol must be zero (canonical base64). */
		{ "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n", HM_ERR_ENCODING },
		/* A 33-byte root. */
		{ "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA\n", HM_ERR_ENCODING },
		{ "o\n1\n" ROOT_B64, HM_ERR_ENCODING },
		{ "o\n1\n", HM_ERR_ENCODING },
		{ "o\n1", HM_ERR_ENCODING },
		{ "", HM_ERR_ENCODING },
		{ "\n1\n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\r\n1\n" ROOT_B64 "\n", HM_ERR_ENCODING },
		{ "o\n1\n" ROOT_B64 "\n\n", HM_ERR_ENCODING },
		{ "o\n1\n" ROOT_B64 "\next\n\nmore\n", HM_ERR_ENCODING },
		{ "o\n1\n" ROOT_B64 "\next", HM_ERR_ENCODING },
		{ "o\xff\n1\n" ROOT_B64 "\n", HM_ERR_ENCODING },
	};
	struct hm_ct_checkpoint cp;
	struct hm_buf b;

	hm_buf_init(&b);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		int rc = hm_ct_checkpoint_parse(&cp, t, strlen(t));
		if (rc != cases[i].rc) {
			fprintf(stderr, "checkpoint %zu \"%s\": %s, want %s\n", i, t,
			        hm_strerror(rc), hm_strerror(cases[i].rc));
			CHECK(0);
		}
		if (rc != HM_OK) {
			CHECK(cp.origin == NULL && cp.tree_size == 0);
			continue;
		}
		/* What parses and has a key-name origin formats back to the same bytes. */
		b.len = 0;
		if (hm_ct_note_name_check(cp.origin, cp.origin_len) == HM_OK) {
			CHECK_ERR(hm_ct_checkpoint_format(&cp, &b), HM_OK);
			CHECK(b.len == strlen(t) && memcmp(b.data, t, b.len) == 0);
		} else {
			CHECK_ERR(hm_ct_checkpoint_format(&cp, &b), HM_ERR_INVALID);
		}
	}
	CHECK_ERR(hm_ct_checkpoint_parse(
	                  &cp, "example.com/log\n18446744073709551615\n" ROOT_B64 "\n",
	                  strlen("example.com/log\n18446744073709551615\n" ROOT_B64 "\n")),
	          HM_OK);
	CHECK(cp.tree_size == UINT64_MAX);
	/* Bad extensions are refused when formatting. */
	cp.extensions = "\n";
	cp.extensions_len = 1;
	CHECK_ERR(hm_ct_checkpoint_format(&cp, &b), HM_ERR_INVALID);
	cp.extensions = "a\n\nb\n";
	cp.extensions_len = 5;
	CHECK_ERR(hm_ct_checkpoint_format(&cp, &b), HM_ERR_INVALID);
	cp.extensions = "a";
	cp.extensions_len = 1;
	CHECK_ERR(hm_ct_checkpoint_format(&cp, &b), HM_ERR_INVALID);
	cp.extensions = "a\tb\n";
	cp.extensions_len = 4;
	CHECK_ERR(hm_ct_checkpoint_format(&cp, &b), HM_ERR_INVALID);
	hm_buf_free(&b);
}

/* A note that verifies but whose text is no checkpoint. */
static void test_checkpoint_open_non_checkpoint(void)
{
	struct hm_ct_note_signer s;
	struct hm_ct_checkpoint cp;
	struct hm_buf b;

	fresh_signer(&s, "o");
	hm_buf_init(&b);
	CHECK_ERR(hm_ct_note_sign(&s, "o\n1\nnot a hash\n", 15, &b), HM_OK);
	CHECK_ERR(hm_ct_checkpoint_open(&cp, (const char *)b.data, b.len, "o", &s.vkey, 1),
	          HM_ERR_ENCODING);
	b.len = 0;
	CHECK_ERR(hm_ct_note_sign(&s, "o\n1\n" ROOT_B64 "\n", 4 + 44 + 1, &b), HM_OK);
	CHECK_ERR(hm_ct_checkpoint_open(&cp, (const char *)b.data, b.len, "o", &s.vkey, 1), HM_OK);
	CHECK_ERR(hm_ct_checkpoint_open(&cp, (const char *)b.data, b.len, NULL, &s.vkey, 1),
	          HM_ERR_INVALID);
	hm_buf_free(&b);
	hm_ct_note_signer_wipe(&s);
}

TEST_MAIN(test_known_answer, test_sumdb_checkpoint, test_tampering, test_limits, test_signer_init,
          test_vkey_parse, test_checkpoint_with_log, test_checkpoint_parse,
          test_checkpoint_open_non_checkpoint)
