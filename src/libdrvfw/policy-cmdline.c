// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw settings on the kernel command line, so the driver-filter patch's
 * boot options work verbatim: "filter_allow_drivers=pci:e1000
 * filter_deny_drivers=ALL:ALL". Words are split the way the kernel splits
 * them (kernel/params.c): blanks separate parameters except inside double
 * quotes, a value may be quoted ("drvfw.allow=\"pci:a usb:b\""), and "--"
 * ends the kernel's part of the line.
 */
#include <ctype.h>
#include <errno.h>

#include "policy-internal.h"
#include "policy.h"
#include "util.h"

/* One parameter: *param and *value (NULL without '=') point into @s, quotes removed. */
static char *next_param(char *s, char **param, char **value)
{
	bool in_quote = false;
	char *end, *eq;

	for (end = s; *end; end++) {
		if (isspace((unsigned char)*end) && !in_quote)
			break;
		if (*end == '"')
			in_quote = !in_quote;
	}
	if (*end)
		*end++ = '\0';
	/* drop the quotes: the kernel hands init and modules the unquoted text */
	for (char *r = s, *w = s;; r++) {
		if (*r != '"')
			*w++ = *r;
		if (*r == '\0')
			break;
	}
	*param = s;
	eq = strchr(s, '=');
	if (eq) {
		*eq = '\0';
		*value = eq + 1;
	} else
		*value = NULL;

	while (isspace((unsigned char)*end))
		end++;
	return end;
}

int kernel_cmdline_each(const char *cmdline,
			int (*fn)(const char *param, const char *value, void *userdata),
			void *userdata)
{
	_cleanup_free_ char *buf = strdup(cmdline);
	char *s = buf;

	if (!buf)
		return -ENOMEM;
	while (isspace((unsigned char)*s))
		s++;
	while (*s) {
		char *param, *value;
		int r;

		s = next_param(s, &param, &value);
		if (streq(param, "--") && !value)
			break; /* the rest belongs to init */
		r = fn(param, value, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Kernel parameter names treat '-' and '_' alike. */
static bool param_is(const char *param, const char *name)
{
	return name_eq(param, name);
}

/* Whether @param is one policy_add_cmdline() reads (or rejects as a typo in drvfw's namespace). */
static bool param_is_ours(const char *param)
{
	return param_is(param, "filter_allow_drivers") || param_is(param, "drvfw.allow") ||
	       param_is(param, "filter_deny_drivers") || param_is(param, "drvfw.deny") ||
	       param_is(param, "drvfw.mode") || param_is(param, "rd.drvfw") ||
	       startswith(param, "drvfw.") || startswith(param, "rd.drvfw.");
}

char *policy_cmdline_settings(const char *cmdline)
{
	_cleanup_free_ char *buf = strdup(strempty(cmdline));
	char *out, *w, *s;

	if (!buf)
		return NULL;
	/* never longer than the line itself, plus a newline per parameter */
	out = w = malloc(2 * strlen(buf) + 1);
	if (!out)
		return NULL;
	s = buf;
	while (isspace((unsigned char)*s))
		s++;
	while (*s) {
		char *param, *value;

		s = next_param(s, &param, &value);
		if (streq(param, "--") && !value)
			break;
		if (!param_is_ours(param))
			continue;
		w = stpcpy(w, param);
		if (value) {
			*w++ = '=';
			w = stpcpy(w, value);
		}
		*w++ = '\n';
	}
	*w = '\0';
	return out;
}

int policy_add_cmdline(struct policy *p, const char *cmdline, struct diags *d)
{
	_cleanup_free_ char *buf = strdup(cmdline);
	struct origin o = policy_cmdline_origin();
	size_t before = d->n_errors;
	char *s;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	s = buf;
	while (isspace((unsigned char)*s))
		s++;
	while (*s) {
		char *param, *value;

		s = next_param(s, &param, &value);
		if (streq(param, "--") && !value)
			break; /* the rest belongs to init */
		if (!param_is_ours(param))
			continue;

		if (param_is(param, "filter_allow_drivers") || param_is(param, "drvfw.allow") ||
		    param_is(param, "filter_deny_drivers") || param_is(param, "drvfw.deny")) {
			enum policy_list list = param_is(param, "filter_allow_drivers") ||
							param_is(param, "drvfw.allow")
						    ? LIST_ALLOW
						    : LIST_DENY;
			if (!value)
				r = diag_at(
				    d, DIAG_ERROR,
				    o, "'%s' without a value: expected %s=BUS:DRIVER[,DRIVER...][;...]",
				    param, param);
			else
				r = policy_add_list(p, list, value, o, d);
		} else if (param_is(param, "drvfw.mode")) {
			if (!value || policy_parse_mode(value, &p->mode) < 0)
				r = diag_at(
				    d, DIAG_ERROR, o,
				    "invalid drvfw.mode='%s': expected enforce, warn or off",
				    strempty(value));
		} else if (param_is(param, "rd.drvfw")) {
			/* dracut style: rd.drvfw=0 turns drvfw off for one boot */
			if (value && (streq(value, "0") || streq(value, "off")))
				p->mode = POLICY_OFF;
			else if (value && streq(value, "warn"))
				p->mode = POLICY_WARN;
			else if (value && (streq(value, "1") || streq(value, "enforce")))
				p->mode = POLICY_ENFORCE;
			else
				r = diag_at(d, DIAG_ERROR, o,
					    "invalid rd.drvfw='%s': expected 0, 1 or warn",
					    strempty(value));
		} else if (param_is(param, "drvfw.policy")) {
			/* the boot's binding to a policy, not a policy entry: bootcfg.h */
		} else if (param_is(param, "rd.drvfw.guard")) {
			/* whether the initramfs loads the guard (drvfw-guard(8)): the
			 * boot library's to read; with or without it the policy is
			 * the same */
		} else if (startswith(param, "drvfw.") || startswith(param, "rd.drvfw.")) {
			/* our namespace: a typo here must not silently weaken the policy */
			r = diag_at(d, DIAG_ERROR, o,
				    "unknown parameter '%s': expected drvfw.allow=, drvfw.deny=, "
				    "drvfw.mode=, drvfw.policy= or rd.drvfw.guard=",
				    param);
		}
		if (r < 0 && r != -EINVAL)
			return r;
	}
	return d->n_errors > before ? -EINVAL : 0;
}
