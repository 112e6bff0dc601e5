/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed notes (c2sp.org/signed-note) and checkpoints (c2sp.org/tlog-checkpoint):
 * the text form in which a tiled log (ct_tiles.h) publishes its tree head.
 *
 * A signed note is UTF-8 text ending in a newline, a blank line, and one or
 * more signature lines
 *
 *   — <key name> <base64(key ID (4 bytes, big-endian) || signature)>\n
 *
 * (U+2014 em dash, space). Only Ed25519 (signature type 0x01) is implemented:
 *
 *   key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4]
 *
 * and the signature is RFC 8032 Ed25519 over the text, final newline
 * included. A checkpoint is a note whose text is
 *
 *   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]...
 *
 * Parsing is strict: every deviation from the specifications (bytes that are
 * not UTF-8, control characters, a size with leading zeroes, padding or
 * whitespace anywhere it is not specified, a signature line that does not
 * parse) is refused, and nothing is returned from a note whose signature has
 * not been verified.
 */
#ifndef HYPERMESH_CT_NOTE_H
#define HYPERMESH_CT_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "hypermesh/buf.h"
#include "hypermesh/ct_log.h"
#include "hypermesh/ct_merkle.h"
#include "hypermesh/sig.h"

#define HM_CT_NOTE_MAX        (64 * 1024) /* the largest note parsed, in bytes */
#define HM_CT_NOTE_SIGS_MAX   100         /* signature lines parsed (the spec asks >= 16) */
#define HM_CT_NOTE_NAME_MAX   255         /* key name bytes */
#define HM_CT_NOTE_ED25519    0x01        /* the signature type byte */
#define HM_CT_NOTE_KEY_ID_LEN 4

/* A verifier key: what a client is configured with to trust a log. */
struct hm_ct_note_vkey {
	char name[HM_CT_NOTE_NAME_MAX + 1]; /* NUL-terminated */
	size_t name_len;
	uint32_t key_id;
	uint8_t pk[32]; /* Ed25519 */
};

/*
 * HM_OK if name[0 .. len) is a valid key name: non-empty, at most
 * HM_CT_NOTE_NAME_MAX bytes, UTF-8 without control characters, Unicode spaces
 * or '+'. HM_ERR_INVALID otherwise.
 */
int hm_ct_note_name_check(const char *name, size_t len);

/*
 * SHA-256(name || 0x0A || 0x01 || pk)[:4] as a big-endian integer, for a
 * valid key name (at most HM_CT_NOTE_NAME_MAX bytes; longer names are not
 * accepted anywhere, and only their first HM_CT_NOTE_NAME_MAX bytes count here).
 */
uint32_t hm_ct_note_key_id(const char *name, size_t name_len, const uint8_t pk[32]);

/*
 * Fills key for (name, Ed25519 pk). HM_OK; HM_ERR_INVALID (a bad name, or a
 * public key of small order, under which signatures prove nothing).
 */
int hm_ct_note_vkey_init(struct hm_ct_note_vkey *key, const char *name, const uint8_t pk[32]);

/*
 * The verifier key string `<name>+<8 hex digits key ID>+<base64(0x01 || pk)>`,
 * appended to out (no NUL). Buffer errors only.
 */
int hm_ct_note_vkey_format(const struct hm_ct_note_vkey *key, struct hm_buf *out);

/*
 * Parses a verifier key string (exactly s[0 .. len), no whitespace, lower-case
 * hex). HM_OK; HM_ERR_ENCODING (structure, hex or base64 malformed);
 * HM_ERR_INVALID (bad name, a key ID that is not the one the name and key
 * give, a small-order key); HM_ERR_UNSUPPORTED (a signature type other than
 * Ed25519). On failure *key is zeroed.
 */
int hm_ct_note_vkey_parse(struct hm_ct_note_vkey *key, const char *s, size_t len);

/* A signing key: the verifier key plus the Ed25519 secret (seed). */
struct hm_ct_note_signer {
	struct hm_ct_note_vkey vkey;
	uint8_t seed[32];
};

/*
 * Prepares a signer from a sig.h secret key: alg must be HM_SIG_ED25519 and
 * sk is seed || public key (64 bytes, sig.h's layout and the format of
 * TrustChain's genesis log.key). HM_OK; HM_ERR_UNSUPPORTED (another alg);
 * HM_ERR_LENGTH (sk_len); HM_ERR_INVALID (a bad name, or a public half that
 * is not the seed's). Wipe with hm_ct_note_signer_wipe.
 */
int hm_ct_note_signer_init(struct hm_ct_note_signer *s, const char *name, enum hm_sig_alg alg,
                           const uint8_t *sk, size_t sk_len) __attribute__((warn_unused_result));

void hm_ct_note_signer_wipe(struct hm_ct_note_signer *s);

/*
 * Appends to out the signed note of text[0 .. len) with one signature line
 * by s. text must be a valid note text: non-empty, ending in '\n', UTF-8
 * without control characters other than '\n' (it may contain empty lines:
 * verifiers split at the last one). HM_OK; HM_ERR_INVALID (text);
 * HM_ERR_TOO_LARGE (the note would
 * exceed HM_CT_NOTE_MAX); buffer errors. On failure out is unchanged.
 */
int hm_ct_note_sign(const struct hm_ct_note_signer *s, const char *text, size_t len,
                    struct hm_buf *out) __attribute__((warn_unused_result));

/*
 * Verifies the signed note note[0 .. len) against the trusted keys
 * keys[0 .. nkeys): HM_OK if at least one signature line by a trusted key
 * (same name and key ID) verifies and none fails; *text_len gets the length
 * of the text (the note's first *text_len bytes, final newline included).
 * Lines of unknown keys are ignored, as the specification requires, but
 * must still be well-formed.
 *
 * Returns HM_OK; HM_ERR_TOO_LARGE (over HM_CT_NOTE_MAX or
 * HM_CT_NOTE_SIGS_MAX lines); HM_ERR_ENCODING (not a well-formed signed
 * note); HM_ERR_VERIFY (no signature by a trusted key, or a trusted key's
 * signature that is wrong); HM_ERR_INVALID (NULL arguments).
 */
int hm_ct_note_verify(const char *note, size_t len, const struct hm_ct_note_vkey *keys,
                      size_t nkeys, size_t *text_len) __attribute__((warn_unused_result));

/* ---- checkpoints ---- */

/*
 * A checkpoint's text, parsed. origin and extensions are borrowed from the
 * text parsed (or, for formatting, from the caller); extensions are the raw
 * extension lines, each ending in '\n' (extensions_len 0: none).
 */
struct hm_ct_checkpoint {
	const char *origin;
	size_t origin_len;
	uint64_t tree_size;
	uint8_t root[HM_CT_HASH_LEN];
	const char *extensions;
	size_t extensions_len;
};

/*
 * Appends the checkpoint text. The origin must be a valid key name (our
 * convention, stricter than the specification's "non-empty"); extensions,
 * if any, must be non-empty lines each ending in '\n', without control
 * characters. HM_OK; HM_ERR_INVALID; buffer errors.
 */
int hm_ct_checkpoint_format(const struct hm_ct_checkpoint *cp, struct hm_buf *out);

/*
 * Parses a checkpoint text text[0 .. len) (the text of a note, not the note:
 * use hm_ct_checkpoint_open for that). HM_OK; HM_ERR_ENCODING for anything
 * malformed: fewer than three lines, an empty line, a size that is not
 * canonical decimal or exceeds 2^64 - 1, a root that is not 44 characters of
 * canonical base64 for 32 bytes, a missing final newline, control
 * characters, invalid UTF-8. On failure *cp is zeroed.
 */
int hm_ct_checkpoint_parse(struct hm_ct_checkpoint *cp, const char *text, size_t len);

/*
 * The log's checkpoint for tree size tree_size (any size up to the log's
 * current one; the root is hm_ct_log_root's), origin origin, signed by s;
 * the whole signed note is appended to out. By convention the signer's key
 * name is the origin (tlog-checkpoint: it SHOULD be). HM_OK; HM_ERR_RANGE
 * (tree_size beyond the log); HM_ERR_INVALID (origin); the log's errors;
 * buffer errors.
 */
int hm_ct_checkpoint_sign(struct hm_ct_log *log, uint64_t tree_size, const char *origin,
                          const struct hm_ct_note_signer *s, struct hm_buf *out)
        __attribute__((warn_unused_result));

/*
 * Verifies note[0 .. len) with hm_ct_note_verify against keys, parses its
 * text as a checkpoint and requires its origin to be exactly origin. HM_OK
 * and *cp filled (borrowing from note); otherwise hm_ct_note_verify's
 * errors, HM_ERR_ENCODING (the text is not a checkpoint), HM_ERR_VERIFY
 * (another origin). On failure *cp is zeroed.
 */
int hm_ct_checkpoint_open(struct hm_ct_checkpoint *cp, const char *note, size_t len,
                          const char *origin, const struct hm_ct_note_vkey *keys, size_t nkeys)
        __attribute__((warn_unused_result));

#endif
