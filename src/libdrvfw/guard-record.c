// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guard's records as text: names for its enums, the escaping of bytes
 * an unprivileged user chooses (a requested name, a command name) and the
 * one function that writes a record for the kernel log.
 */
#include <errno.h>
#include <stdint.h>

#include "guard.h"
#include "util.h"

const char *guard_action_to_string(enum guard_action a)
{
	switch (a) {
	case GUARD_ACT_ALLOW:
		return "allow";
	case GUARD_ACT_DENY:
		return "deny";
	case GUARD_ACT_WARN:
		return "warn";
	}
	return "unknown";
}

const char *guard_reason_to_string(enum guard_reason r)
{
	switch (r) {
	case GUARD_WHY_NONE:
		return "-";
	case GUARD_WHY_AUTOLOAD:
		return "autoload";
	case GUARD_WHY_MODULES:
		return "modules";
	case GUARD_WHY_BLOCKED:
		return "blocked";
	case GUARD_WHY_INIT_MODULE:
		return "init-module";
	case GUARD_WHY_LIMIT:
		return "limit";
	case GUARD_WHY_NO_MAPS:
		return "no-maps";
	}
	return "unknown";
}

const char *guard_kind_to_string(enum guard_kind k)
{
	switch (k) {
	case GUARD_KIND_REQUEST:
		return "request";
	case GUARD_KIND_FILE:
		return "file";
	case GUARD_KIND_DATA:
		return "data";
	}
	return "unknown";
}

const char *guard_program_name(unsigned i)
{
	static const char *const names[GUARD_PROGRAMS] = {
		"request", "read_file", "post_read_file", "load_data", "post_load_data",
	};

	return i < GUARD_PROGRAMS ? names[i] : "?";
}

const char *guard_mode_to_string(enum guard_mode m)
{
	switch (m) {
	case GUARD_MODE_ENFORCE:
		return "enforce";
	case GUARD_MODE_WARN:
		return "warn";
	case GUARD_MODE_OFF:
		return "off";
	}
	return "unknown";
}

char *guard_escape(const void *bytes, size_t len)
{
	const unsigned char *s = bytes;
	size_t n = 0;
	char *out, *o;

	while (n < len && s[n])
		n++;
	out = malloc(n * 4 + 1);
	if (!out)
		return NULL;
	o = out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		/* blanks split a record into fields, '=' a field into key and value */
		if (c > ' ' && c < 0x7f && c != '\\' && c != '=' && c != '"')
			*o++ = (char)c;
		else {
			static const char hex[] = "0123456789abcdef";

			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

char *guard_format_event(const struct guard_event *ev)
{
	_cleanup_free_ char *name = NULL, *comm = NULL;

	name = guard_escape(ev->name, sizeof(ev->name));
	comm = guard_escape(ev->comm, sizeof(ev->comm));
	if (!name || !comm)
		return NULL;
	return strdup_printf("guard %s %s action=%s reason=%s pid=%u comm=%s uid=%u loginuid=%d "
			     "cgroup=%llu",
			     guard_kind_to_string(ev->kind), *name ? name : "-",
			     guard_action_to_string(ev->action), guard_reason_to_string(ev->reason),
			     ev->pid, *comm ? comm : "-", ev->uid, (int)ev->loginuid,
			     (unsigned long long)ev->cgroup);
}
