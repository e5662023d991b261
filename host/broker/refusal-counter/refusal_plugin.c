/* mosquitto 2.0 plugin (v5 API) counting the publishes the broker refused, per client id: docs/broker.md, "Refusal
 * counter". It never decides: every access check is deferred to the plugins after it (dynamic security), so it must be
 * listed before them. The logic is in refusal_core.c; this file only connects it to the broker and the clocks. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include "refusal_core.h"

#define DEFAULT_INTERVAL_S 10
#define DEFAULT_MAX_CLIENTS 4096

static mosquitto_plugin_id_t *plugin_id;
static struct refusal_core core;

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + (int64_t)ts.tv_nsec / 1000000;
}

static void emit(const struct refusal_report *report, void *context)
{
	(void)context;
	/* QoS 1, not retained; published by the broker itself, so no write check applies ($SYS is closed to clients). */
	mosquitto_broker_publish_copy(NULL, report->topic, (int)report->payload_len, report->payload, 1, false, NULL);
}

static void maybe_flush(void)
{
	refusal_core_flush(&core, mono_ms(), wall_ms(), 0, emit, NULL);
}

static int on_acl_check(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)userdata;
	struct mosquitto_evt_acl_check *ed = event_data;
	switch(ed->access){
		case MOSQ_ACL_WRITE:
			refusal_core_write_check(&core, ed->client, mosquitto_client_id(ed->client), ed->topic, ed->payloadlen);
			break;
		case MOSQ_ACL_READ:
			refusal_core_read_check(&core, ed->topic);
			maybe_flush();
			break;
		default:
			refusal_core_other(&core);
			maybe_flush();
			break;
	}
	return MOSQ_ERR_PLUGIN_DEFER;
}

static int on_message(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)userdata;
	struct mosquitto_evt_message *ed = event_data;
	refusal_core_message(&core, ed->client, ed->topic);
	return MOSQ_ERR_SUCCESS;
}

static int on_other(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)event_data;
	(void)userdata;
	refusal_core_other(&core);
	maybe_flush();
	return MOSQ_ERR_SUCCESS;
}

/* Parses a whole decimal number in [min, max]; false otherwise. */
static bool parse_option(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	if(!text || *text < '0' || *text > '9') return false;
	errno = 0;
	unsigned long value = strtoul(text, &end, 10);
	if(errno || *end != '\0' || value < min || value > max) return false;
	*out = value;
	return true;
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	for(int i = 0; i < supported_version_count; i++){
		if(supported_versions[i] == 5) return 5;
	}
	return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata, struct mosquitto_opt *options, int option_count)
{
	unsigned long interval_s = DEFAULT_INTERVAL_S;
	unsigned long max_clients = DEFAULT_MAX_CLIENTS;
	(void)userdata;

	for(int i = 0; i < option_count; i++){
		if(strcmp(options[i].key, "refusal_interval") == 0){
			if(!parse_option(options[i].value, 1, 3600, &interval_s)){
				mosquitto_log_printf(MOSQ_LOG_ERR, "refusal-counter: plugin_opt_refusal_interval must be 1..3600 seconds");
				return MOSQ_ERR_INVAL;
			}
		}else if(strcmp(options[i].key, "refusal_max_clients") == 0){
			if(!parse_option(options[i].value, 1, 1000000, &max_clients)){
				mosquitto_log_printf(MOSQ_LOG_ERR, "refusal-counter: plugin_opt_refusal_max_clients must be 1..1000000");
				return MOSQ_ERR_INVAL;
			}
		}
		/* Unknown keys are ignored, as mosquitto's own plugins do. */
	}

	if(refusal_core_init(&core, (uint64_t)interval_s * 1000u, (size_t)max_clients, mono_ms(), wall_ms())){
		mosquitto_log_printf(MOSQ_LOG_ERR, "refusal-counter: out of memory");
		return MOSQ_ERR_NOMEM;
	}

	plugin_id = identifier;
	if(mosquitto_callback_register(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL, NULL)
			|| mosquitto_callback_register(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL, NULL)
			|| mosquitto_callback_register(plugin_id, MOSQ_EVT_DISCONNECT, on_other, NULL, NULL)
			|| mosquitto_callback_register(plugin_id, MOSQ_EVT_TICK, on_other, NULL, NULL)){
		mosquitto_log_printf(MOSQ_LOG_ERR, "refusal-counter: could not register its callbacks");
		refusal_core_free(&core);
		return MOSQ_ERR_UNKNOWN;
	}

	mosquitto_log_printf(MOSQ_LOG_INFO, "refusal-counter: counting refused publishes per client, reported every %lu s on %s<client id> (at most %lu clients per interval, the rest on %s%s)",
			interval_s, REFUSAL_TOPIC_PREFIX, max_clients, REFUSAL_TOPIC_PREFIX, REFUSAL_OVERFLOW_NAME);
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	(void)userdata;
	(void)options;
	(void)option_count;
	if(plugin_id){
		mosquitto_callback_unregister(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL);
		mosquitto_callback_unregister(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL);
		mosquitto_callback_unregister(plugin_id, MOSQ_EVT_DISCONNECT, on_other, NULL);
		mosquitto_callback_unregister(plugin_id, MOSQ_EVT_TICK, on_other, NULL);
	}
	refusal_core_free(&core);
	return MOSQ_ERR_SUCCESS;
}
