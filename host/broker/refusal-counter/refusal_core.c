/* Refusal counter core (see refusal_core.h and docs/broker.md, "Refusal counter"). */
#include "refusal_core.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	for(size_t i = 0; i < len; i++){
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Copies s into a growable buffer (NUL-terminated); 0 on success. */
static int keep(char **buf, size_t *cap, size_t *len, const char *s, size_t n)
{
	if(n + 1 > *cap){
		size_t want = n + 1 < 256 ? 256 : n + 1;
		char *grown = realloc(*buf, want);
		if(!grown) return -1;
		*buf = grown;
		*cap = want;
	}
	memcpy(*buf, s, n);
	(*buf)[n] = '\0';
	*len = n;
	return 0;
}

int refusal_core_init(struct refusal_core *core, uint64_t interval_ms, size_t max_clients, uint64_t now_mono_ms, int64_t now_wall_ms)
{
	memset(core, 0, sizeof(*core));
	core->interval_ms = interval_ms;
	core->max_clients = max_clients;
	core->slot_count = 2 * max_clients;
	core->slots = calloc(core->slot_count, sizeof(*core->slots));
	if(!core->slots) return -1;
	core->interval_start_mono_ms = now_mono_ms;
	core->interval_start_wall_ms = now_wall_ms;
	return 0;
}

static void clear_entries(struct refusal_core *core)
{
	for(size_t i = 0; i < core->slot_count; i++){
		if(core->slots[i]){
			free(core->slots[i]->id);
			free(core->slots[i]);
			core->slots[i] = NULL;
		}
	}
	core->clients = 0;
	core->overflow_clients = 0;
	core->overflow_count = 0;
	core->overflow_bytes = 0;
}

void refusal_core_free(struct refusal_core *core)
{
	if(core->slots) clear_entries(core);
	free(core->slots);
	free(core->pending_id);
	free(core->pending_topic);
	memset(core, 0, sizeof(*core));
}

/* How many leading bytes of topic (len bytes) fit in REFUSAL_TOPIC_KEEP without cutting a UTF-8 sequence. */
static size_t keep_length(const char *topic, size_t len)
{
	if(len <= REFUSAL_TOPIC_KEEP) return len;
	size_t cut = REFUSAL_TOPIC_KEEP;
	/* Back up over continuation bytes (10xxxxxx), at most 3, so the cut lands on a sequence start. */
	for(int i = 0; i < 3 && cut > 0 && (((unsigned char)topic[cut]) & 0xC0) == 0x80; i++){
		cut--;
	}
	return cut;
}

static void record_refusal(struct refusal_core *core)
{
	const char *id = core->pending_id;
	size_t id_len = core->pending_id_len;
	size_t slot = (size_t)(fnv1a(id, id_len) % core->slot_count);
	struct refusal_entry *entry = NULL;
	for(size_t probe = 0; probe < core->slot_count; probe++){
		struct refusal_entry *e = core->slots[slot];
		if(!e) break;
		if(e->id_len == id_len && memcmp(e->id, id, id_len) == 0){
			entry = e;
			break;
		}
		slot = (slot + 1) % core->slot_count;
	}

	if(!entry){
		if(core->clients >= core->max_clients){
			/* Bounded memory: a client past the limit is only summed. Its distinct-client count is an upper bound (a
			 * client refused twice past the limit counts twice), documented as such. */
			core->overflow_clients = add_sat(core->overflow_clients, 1);
			core->overflow_count = add_sat(core->overflow_count, 1);
			core->overflow_bytes = add_sat(core->overflow_bytes, core->pending_bytes);
			return;
		}
		entry = calloc(1, sizeof(*entry));
		if(entry) entry->id = malloc(id_len + 1);
		if(!entry || !entry->id){
			free(entry);
			core->overflow_clients = add_sat(core->overflow_clients, 1);
			core->overflow_count = add_sat(core->overflow_count, 1);
			core->overflow_bytes = add_sat(core->overflow_bytes, core->pending_bytes);
			return;
		}
		memcpy(entry->id, id, id_len);
		entry->id[id_len] = '\0';
		entry->id_len = id_len;
		entry->first_len = core->pending_topic_len;
		entry->first_kept = keep_length(core->pending_topic, core->pending_topic_len);
		memcpy(entry->first_topic, core->pending_topic, entry->first_kept);
		core->slots[slot] = entry;
		core->clients++;
	}

	entry->count = add_sat(entry->count, 1);
	entry->bytes = add_sat(entry->bytes, core->pending_bytes);
	entry->last_len = core->pending_topic_len;
	entry->last_kept = keep_length(core->pending_topic, core->pending_topic_len);
	memcpy(entry->last_topic, core->pending_topic, entry->last_kept);
}

void refusal_core_other(struct refusal_core *core)
{
	if(core->pending){
		core->pending = 0;
		record_refusal(core);
	}
}

void refusal_core_write_check(struct refusal_core *core, const void *client, const char *id, const char *topic, uint64_t payload_len)
{
	refusal_core_other(core);
	/* An allowed $CONTROL/ publish goes to the control handler: no MESSAGE and no delivery follows, so its outcome cannot
	 * be told; such checks are not counted (docs/broker.md). */
	if(!id || !topic || strncmp(topic, "$CONTROL/", 9) == 0){
		return;
	}
	if(keep(&core->pending_id, &core->pending_id_cap, &core->pending_id_len, id, strlen(id))
			|| keep(&core->pending_topic, &core->pending_topic_cap, &core->pending_topic_len, topic, strlen(topic))){
		return;
	}
	core->pending = 1;
	core->pending_client = client;
	core->pending_bytes = payload_len;
}

void refusal_core_read_check(struct refusal_core *core, const char *topic)
{
	if(core->pending && topic && strcmp(topic, core->pending_topic) == 0){
		/* The pending message is being delivered: it was allowed (a will; a PUBLISH gets its MESSAGE first). */
		core->pending = 0;
		return;
	}
	refusal_core_other(core);
}

void refusal_core_message(struct refusal_core *core, const void *client, const char *topic)
{
	if(core->pending && client == core->pending_client && topic && strcmp(topic, core->pending_topic) == 0){
		core->pending = 0;
		return;
	}
	refusal_core_other(core);
}

static int hexval_ok(unsigned char c)
{
	return c != '/' && c != '+' && c != '#' && c != '%' && c >= 0x20 && c != 0x7F;
}

void refusal_core_topic_for(const char *id, size_t id_len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t pos = strlen(REFUSAL_TOPIC_PREFIX);
	memcpy(out, REFUSAL_TOPIC_PREFIX, pos);
	if(id_len == 0){
		out[pos++] = '%';
	}else if(id_len > REFUSAL_ID_KEEP){
		pos += (size_t)snprintf(out + pos, 20, "%%~%016" PRIx64, fnv1a(id, id_len));
	}else{
		for(size_t i = 0; i < id_len; i++){
			unsigned char c = (unsigned char)id[i];
			if(hexval_ok(c)){
				out[pos++] = (char)c;
			}else{
				out[pos++] = '%';
				out[pos++] = hex[c >> 4];
				out[pos++] = hex[c & 0x0F];
			}
		}
	}
	out[pos] = '\0';
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), or 0 if it is not valid (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF). */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	if(c < 0x80) return 1;
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF;
	if(c >= 0xC2 && c <= 0xDF){ need = 2; }
	else if(c == 0xE0){ need = 3; lo = 0xA0; }
	else if(c >= 0xE1 && c <= 0xEC){ need = 3; }
	else if(c == 0xED){ need = 3; hi = 0x9F; }
	else if(c >= 0xEE && c <= 0xEF){ need = 3; }
	else if(c == 0xF0){ need = 4; lo = 0x90; }
	else if(c >= 0xF1 && c <= 0xF3){ need = 4; }
	else if(c == 0xF4){ need = 4; hi = 0x8F; }
	else return 0;
	if(len < need) return 0;
	if(s[1] < lo || s[1] > hi) return 0;
	for(size_t i = 2; i < need; i++){
		if(s[i] < 0x80 || s[i] > 0xBF) return 0;
	}
	return need;
}

static void put(char *out, size_t *pos, size_t cap, const char *s, size_t n)
{
	if(*pos + n >= cap) return;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
}

void refusal_core_json_string(const char *s, size_t len, char *out, size_t *pos, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while(i < len){
		unsigned char c = u[i];
		if(c == '"'){ put(out, pos, cap, "\\\"", 2); i++; continue; }
		if(c == '\\'){ put(out, pos, cap, "\\\\", 2); i++; continue; }
		if(c < 0x20 || c == 0x7F){
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0x0F] };
			put(out, pos, cap, esc, 6);
			i++;
			continue;
		}
		size_t n = utf8_sequence(u + i, len - i);
		if(n == 0){
			put(out, pos, cap, "\\ufffd", 6);
			i++;
			continue;
		}
		put(out, pos, cap, s + i, n);
		i += n;
	}
}

static void put_u64(char *out, size_t *pos, size_t cap, const char *name, uint64_t value)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "\"%s\":%" PRIu64, name, value);
	put(out, pos, cap, buf, (size_t)n);
}

static void put_i64(char *out, size_t *pos, size_t cap, const char *name, int64_t value)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "\"%s\":%" PRId64, name, value);
	put(out, pos, cap, buf, (size_t)n);
}

static void put_topic(char *out, size_t *pos, size_t cap, const char *name, const char *topic, size_t kept, size_t full)
{
	put(out, pos, cap, "\"", 1);
	put(out, pos, cap, name, strlen(name));
	put(out, pos, cap, "\":\"", 3);
	refusal_core_json_string(topic, kept, out, pos, cap);
	put(out, pos, cap, "\",", 2);
	char lenname[40];
	snprintf(lenname, sizeof(lenname), "%s_len", name);
	put_u64(out, pos, cap, lenname, full);
	put(out, pos, cap, ",", 1);
}

size_t refusal_core_flush(struct refusal_core *core, uint64_t now_mono_ms, int64_t now_wall_ms, int force, refusal_emit_fn emit, void *context)
{
	refusal_core_other(core);
	if(!force && now_mono_ms - core->interval_start_mono_ms < core->interval_ms){
		return 0;
	}

	size_t emitted = 0;
	struct refusal_report report;
	for(size_t i = 0; i < core->slot_count; i++){
		struct refusal_entry *e = core->slots[i];
		if(!e) continue;
		refusal_core_topic_for(e->id, e->id_len, report.topic);
		size_t pos = 0;
		report.payload[0] = '\0';
		put(report.payload, &pos, sizeof(report.payload), "{\"v\":1,", 7);
		put_u64(report.payload, &pos, sizeof(report.payload), "refused", e->count);
		put(report.payload, &pos, sizeof(report.payload), ",", 1);
		put_u64(report.payload, &pos, sizeof(report.payload), "bytes", e->bytes);
		put(report.payload, &pos, sizeof(report.payload), ",", 1);
		put_topic(report.payload, &pos, sizeof(report.payload), "first_topic", e->first_topic, e->first_kept, e->first_len);
		put_topic(report.payload, &pos, sizeof(report.payload), "last_topic", e->last_topic, e->last_kept, e->last_len);
		put_i64(report.payload, &pos, sizeof(report.payload), "start_ms", core->interval_start_wall_ms);
		put(report.payload, &pos, sizeof(report.payload), ",", 1);
		put_i64(report.payload, &pos, sizeof(report.payload), "end_ms", now_wall_ms);
		put(report.payload, &pos, sizeof(report.payload), "}", 1);
		report.payload_len = pos;
		emit(&report, context);
		emitted++;
	}

	if(core->overflow_count > 0){
		snprintf(report.topic, sizeof(report.topic), "%s%s", REFUSAL_TOPIC_PREFIX, REFUSAL_OVERFLOW_NAME);
		int n = snprintf(report.payload, sizeof(report.payload),
				"{\"v\":1,\"clients\":%" PRIu64 ",\"refused\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"start_ms\":%" PRId64 ",\"end_ms\":%" PRId64 "}",
				core->overflow_clients, core->overflow_count, core->overflow_bytes, core->interval_start_wall_ms, now_wall_ms);
		report.payload_len = (size_t)n;
		emit(&report, context);
		emitted++;
	}

	clear_entries(core);
	core->interval_start_mono_ms = now_mono_ms;
	core->interval_start_wall_ms = now_wall_ms;
	return emitted;
}
