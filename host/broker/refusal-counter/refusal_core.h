/* Refusal counter core: which publishes the broker refused, per client id, over one interval. Sans-I/O: the plugin glue
 * (refusal_plugin.c) passes in every broker event and the clocks; nothing here calls mosquitto or reads a clock. */
#ifndef REFUSAL_CORE_H
#define REFUSAL_CORE_H

#include <stddef.h>
#include <stdint.h>

/* Longest refused topic kept for a report (bytes of the topic, cut at a UTF-8 boundary); the report gives the full length. */
#define REFUSAL_TOPIC_KEEP 96
/* Longest client id reported as itself (after %-escaping); a longer one is reported as "%~" and a 64-bit hash. */
#define REFUSAL_ID_KEEP 64
/* Largest report payload (documented in docs/service.md; far below max_packet_size 2048 with its topic). */
#define REFUSAL_PAYLOAD_MAX 1400
/* Largest report topic: the prefix and an escaped id of at most 3 * REFUSAL_ID_KEEP bytes. */
#define REFUSAL_TOPIC_PREFIX "$SYS/broker/securedevice/refused/"
#define REFUSAL_OVERFLOW_NAME "%overflow"
#define REFUSAL_REPORT_TOPIC_MAX (sizeof(REFUSAL_TOPIC_PREFIX) + 3 * REFUSAL_ID_KEEP + 1)

struct refusal_entry {
	char *id;               /* client id, NUL-terminated copy */
	size_t id_len;
	uint64_t count;         /* refused publishes (saturating) */
	uint64_t bytes;         /* their payload bytes (saturating) */
	char first_topic[REFUSAL_TOPIC_KEEP];
	size_t first_kept;
	size_t first_len;       /* the full topic length */
	char last_topic[REFUSAL_TOPIC_KEEP];
	size_t last_kept;
	size_t last_len;
};

struct refusal_core {
	/* options */
	uint64_t interval_ms;
	size_t max_clients;

	/* the pending WRITE check: a publish whose outcome the next event tells */
	int pending;
	const void *pending_client; /* compared, never dereferenced */
	char *pending_id;
	size_t pending_id_len, pending_id_cap;
	char *pending_topic;
	size_t pending_topic_len, pending_topic_cap;
	uint64_t pending_bytes;

	/* this interval */
	struct refusal_entry **slots; /* open addressing, 2 * max_clients slots */
	size_t slot_count;
	size_t clients;
	uint64_t overflow_clients;  /* refusals of clients past max_clients: saturating sums */
	uint64_t overflow_count;
	uint64_t overflow_bytes;
	uint64_t interval_start_mono_ms;
	int64_t interval_start_wall_ms;
};

/* One report: a topic and a JSON payload, both NUL-terminated. */
struct refusal_report {
	char topic[REFUSAL_REPORT_TOPIC_MAX];
	char payload[REFUSAL_PAYLOAD_MAX];
	size_t payload_len;
};

typedef void (*refusal_emit_fn)(const struct refusal_report *report, void *context);

/* 0 on success; -1 if memory is short. */
int refusal_core_init(struct refusal_core *core, uint64_t interval_ms, size_t max_clients, uint64_t now_mono_ms, int64_t now_wall_ms);
void refusal_core_free(struct refusal_core *core);

/* A WRITE access check of client (identity pointer, its id) for topic with payload_len bytes. Resolves any earlier pending
 * check first (as refused: see refusal_core_other), then remembers this one, except on $CONTROL/ topics. */
void refusal_core_write_check(struct refusal_core *core, const void *client, const char *id, const char *topic, uint64_t payload_len);

/* A READ access check (delivery) of topic: a pending check on the same topic was allowed (a will being delivered). */
void refusal_core_read_check(struct refusal_core *core, const char *topic);

/* MOSQ_EVT_MESSAGE of client for topic: a pending check of the same client and topic was allowed. */
void refusal_core_message(struct refusal_core *core, const void *client, const char *topic);

/* Any other event (SUBSCRIBE/UNSUBSCRIBE check, DISCONNECT, TICK): a pending check was refused. */
void refusal_core_other(struct refusal_core *core);

/* If the interval has run out (or force), emits one report per client with refusals (and one overflow report), then
 * starts a new interval. Resolves a pending check first. Returns the number of reports emitted. */
size_t refusal_core_flush(struct refusal_core *core, uint64_t now_mono_ms, int64_t now_wall_ms, int force, refusal_emit_fn emit, void *context);

/* Writes the report topic for a client id into out (REFUSAL_REPORT_TOPIC_MAX bytes). Exposed for tests. */
void refusal_core_topic_for(const char *id, size_t id_len, char *out);

/* Appends s (len bytes) as JSON string contents to out at *pos (never past cap - 1): escapes quotes, backslash and control
 * characters, replaces bytes that are not valid UTF-8 with U+FFFD. Exposed for tests. */
void refusal_core_json_string(const char *s, size_t len, char *out, size_t *pos, size_t cap);

#endif
