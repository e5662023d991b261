/* Test driver for refusal_core.c (not part of the plugin): reads events from stdin, one per line, and prints each
 * report as "topic<TAB>payload". The host tests (RefusalCounterCoreTests) run it and decode the payloads with Python's
 * json module. Lines (fields separated by TAB; topics and ids may hold any byte but TAB and newline; "\xHH" is decoded):
 *   init MAX_CLIENTS          write CLIENT ID TOPIC BYTES      read TOPIC
 *   message CLIENT TOPIC      other                            flush WALL_MS
 *   clients                   (prints the number of clients held) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refusal_core.h"

static struct refusal_core core;

static void emit(const struct refusal_report *report, void *context)
{
	(void)context;
	printf("%s\t%.*s\n", report->topic, (int)report->payload_len, report->payload);
}

/* Decodes "\xHH" in place. */
static void unescape(char *s)
{
	char *out = s;
	while(*s){
		if(s[0] == '\\' && s[1] == 'x' && s[2] && s[3]){
			char hex[3] = { s[2], s[3], 0 };
			*out++ = (char)strtol(hex, NULL, 16);
			s += 4;
		}else{
			*out++ = *s++;
		}
	}
	*out = '\0';
}

int main(void)
{
	char line[70000];
	int initialised = 0;
	while(fgets(line, sizeof(line), stdin)){
		line[strcspn(line, "\n")] = '\0';
		char *fields[5] = { 0 };
		int n = 0;
		for(char *p = strtok(line, "\t"); p && n < 5; p = strtok(NULL, "\t")){
			unescape(p);
			fields[n++] = p;
		}
		if(n == 0) continue;
		if(strcmp(fields[0], "init") == 0 && n == 2){
			if(initialised) refusal_core_free(&core);
			if(refusal_core_init(&core, 1000, (size_t)atol(fields[1]), 0, 0)) return 2;
			initialised = 1;
		}else if(strcmp(fields[0], "write") == 0 && n == 5){
			refusal_core_write_check(&core, (const void *)(size_t)atol(fields[1]), fields[2], fields[3], (uint64_t)strtoull(fields[4], NULL, 10));
		}else if(strcmp(fields[0], "read") == 0 && n == 2){
			refusal_core_read_check(&core, fields[1]);
		}else if(strcmp(fields[0], "message") == 0 && n == 3){
			refusal_core_message(&core, (const void *)(size_t)atol(fields[1]), fields[2]);
		}else if(strcmp(fields[0], "other") == 0){
			refusal_core_other(&core);
		}else if(strcmp(fields[0], "flush") == 0 && n == 2){
			refusal_core_flush(&core, 0, atoll(fields[1]), 1, emit, NULL);
		}else if(strcmp(fields[0], "clients") == 0){
			printf("clients\t%zu\n", core.clients);
		}else{
			fprintf(stderr, "bad line: %s\n", fields[0]);
			return 2;
		}
		fflush(stdout);
	}
	if(initialised) refusal_core_free(&core);
	return 0;
}
