// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The report enforcement leaves for the real root and for `drvfw status`:
 * enforce.log (one line per action and per denied device) and enforce.json,
 * written and read back here only.
 */
#include <errno.h>
#include <stdint.h>

#include "enforce.h"
#include "fileio.h"
#include "json.h"
#include "util.h"

static const char *device_rule_origin(const struct device_decision *dd, char *buf, size_t size)
{
	const struct origin *o = NULL;

	if (dd->rule)
		o = &dd->rule->origin;
	else if (dd->entry)
		o = &dd->entry->origin;
	if (!o || !o->file)
		return NULL;
	if (o->line)
		snprintf(buf, size, "%s:%u", o->file, o->line);
	else
		snprintf(buf, size, "%s", o->file);
	return buf;
}

int enforce_report_log(FILE *f, const struct enforce_plan *p, const struct decisions *d,
		       const char *sysfs)
{
	const struct inventory *inv = d->inv;
	struct enforce_counts c;
	char buf[512];

	for (size_t k = 0; k < p->n_actions; k++) {
		const struct enforce_action *a = &p->actions[k];

		/* device names and modaliases come from devices: one word each, escaped */
		if (a->step == STEP_LOAD) {
			fprintf(f, "%s load ", action_status_to_string(a->status));
			fput_escaped(f, a->value);
		} else {
			fprintf(f, "%s write ", action_status_to_string(a->status));
			fput_escaped(f, sysfs);
			fputc('/', f);
			fput_escaped(f, a->path);
			fputc(' ', f);
			if (streq(a->value, "\n"))
				fputs("''", f);
			else
				fput_escaped(f, a->value);
		}
		if (a->status == ACTION_FAILED)
			fprintf(f, ": %s", error_string(-a->error));
		fputc('\n', f);
	}
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct enforce_device *ed = &p->devices[i];
		const struct device *dev = &inv->devices[i];
		const char *origin;

		/* nothing done, nothing to say; but a device drvfw handed to a
		 * driver that did not take it is named (bind= to a failing probe) */
		if (ed->outcome == OUTCOME_NONE && !ed->note)
			continue;
		origin = device_rule_origin(&d->devices[i], buf, sizeof(buf));
		fprintf(f, "%s ", enforce_outcome_to_string(ed->outcome));
		fput_escaped(f, dev->bus);
		fputc('/', f);
		fput_escaped(f, dev->name);
		fputs(" driver=", f);
		fput_escaped(f, dev->driver ? dev->driver : "-");
		if (dev->module) {
			fputs(" module=", f);
			fput_escaped(f, dev->module);
		}
		if (origin) {
			fputs(" rule=", f);
			fput_escaped(f, origin);
		}
		if (ed->note)
			fprintf(f, " (%s)", ed->note);
		fputc('\n', f);
	}
	enforce_plan_count(p, &c);
	fprintf(f,
		"summary mode=%s devices=%zu denied=%zu unbound=%zu pinned=%zu kept=%zu "
		"cannot-pin=%zu bound=%zu would-deny=%zu failed=%zu gated=%zu\n",
		policy_mode_to_string(p->mode), c.devices, c.denied, c.unbound, c.pinned, c.kept,
		c.unpinned, c.bound, c.would_deny, c.failed, c.gated);
	return ferror(f) ? -EIO : 0;
}

int enforce_report_json(FILE *f, const struct enforce_plan *p, const struct decisions *d,
			const char *sysfs)
{
	const struct inventory *inv = d->inv;
	struct enforce_counts c;
	bool first = true;
	char buf[512];

	enforce_plan_count(p, &c);
	fputs("{\n  \"mode\": ", f);
	json_string(f, policy_mode_to_string(p->mode));
	fprintf(f, ",\n  \"policy_hash\": \"%016llx\",\n  \"sysfs\": ", policy_hash(d->policy));
	json_string(f, sysfs);
	fprintf(f,
		",\n  \"summary\": {\"devices\": %zu, \"denied\": %zu, \"unbound\": %zu, "
		"\"pinned\": %zu, \"kept\": %zu, \"cannot_pin\": %zu, \"bound\": %zu, "
		"\"would_deny\": %zu, \"failed\": %zu, \"gated\": %zu},\n",
		c.devices, c.denied, c.unbound, c.pinned, c.kept, c.unpinned, c.bound, c.would_deny,
		c.failed, c.gated);
	fputs("  \"actions\": [", f);
	for (size_t k = 0; k < p->n_actions; k++) {
		const struct enforce_action *a = &p->actions[k];

		fputs(k ? ",\n    {" : "\n    {", f);
		fputs("\"step\": ", f);
		json_string(f, enforce_step_to_string(a->step));
		if (a->path) {
			_cleanup_free_ char *path = strdup_printf("%s/%s", sysfs, a->path);

			if (!path)
				return -ENOMEM;
			/* --sysfs is any directory name: quotes and all */
			fputs(", \"path\": ", f);
			json_string(f, path);
		}
		fputs(", \"value\": ", f);
		json_string(f, streq(a->value, "\n") ? "" : a->value);
		if (a->device != SIZE_MAX) {
			_cleanup_free_ char *dev = strdup_printf(
			    "%s/%s", inv->devices[a->device].bus, inv->devices[a->device].name);

			if (!dev)
				return -ENOMEM;
			fputs(", \"device\": ", f);
			json_string(f, dev);
		}
		fputs(", \"status\": ", f);
		json_string(f, action_status_to_string(a->status));
		if (a->status == ACTION_FAILED) {
			fputs(", \"error\": ", f);
			json_string(f, error_string(-a->error));
		}
		fputc('}', f);
	}
	fputs(p->n_actions ? "\n  ],\n" : "],\n", f);
	fputs("  \"devices\": [", f);
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct enforce_device *ed = &p->devices[i];
		const struct device *dev = &inv->devices[i];
		const struct device_decision *dd = &d->devices[i];

		/* as in enforce.log: a device handed to a driver that did not take it is named */
		if (ed->outcome == OUTCOME_NONE && dd->verdict == VERDICT_ALLOW && !ed->note)
			continue;
		fputs(first ? "\n    {" : ",\n    {", f);
		first = false;
		fputs("\"bus\": ", f);
		json_string(f, dev->bus);
		fputs(", \"device\": ", f);
		json_string(f, dev->name);
		fputs(", \"driver\": ", f);
		json_string(f, dev->driver);
		fputs(", \"module\": ", f);
		json_string(f, dev->module);
		fputs(", \"modalias\": ", f);
		json_string(f, dev->modalias);
		fputs(", \"verdict\": ", f);
		json_string(f, dd->verdict == VERDICT_DENY ? "deny" : "allow");
		fputs(", \"rule\": ", f);
		json_string(f, device_rule_origin(dd, buf, sizeof(buf)));
		fputs(", \"outcome\": ", f);
		json_string(f, enforce_outcome_to_string(ed->outcome));
		if (ed->note) {
			fputs(", \"note\": ", f);
			json_string(f, ed->note);
		}
		fputc('}', f);
	}
	fputs(first ? "]\n}\n" : "\n  ]\n}\n", f);
	return ferror(f) ? -EIO : 0;
}

static int render(char **ret, size_t *ret_len,
		  int (*fn)(FILE *, const struct enforce_plan *, const struct decisions *,
			    const char *),
		  const struct enforce_plan *p, const struct decisions *d, const char *sysfs)
{
	FILE *f = open_memstream(ret, ret_len);
	int r;

	if (!f)
		return -ENOMEM;
	r = fn(f, p, d, sysfs);
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	return r;
}

int enforce_report_write(const char *dir, const struct enforce_plan *p, const struct decisions *d,
			 const char *sysfs)
{
	_cleanup_free_ char *log = NULL, *json = NULL, *log_path = NULL, *json_path = NULL;
	size_t log_len = 0, json_len = 0;
	int r;

	/* both reports in memory first: a failure leaves the previous ones */
	r = render(&log, &log_len, enforce_report_log, p, d, sysfs);
	if (r >= 0)
		r = render(&json, &json_len, enforce_report_json, p, d, sysfs);
	if (r < 0)
		return r;
	log_path = strdup_printf("%s/enforce.log", dir);
	json_path = strdup_printf("%s/enforce.json", dir);
	if (!log_path || !json_path)
		return -ENOMEM;
	r = mkdir_p(dir);
	if (r >= 0)
		r = write_file_atomic(log_path, log, log_len, 0644);
	if (r >= 0)
		r = write_file_atomic(json_path, json, json_len, 0644);
	return r;
}

int enforce_report_read(const char *path, struct enforce_record *ret)
{
	_cleanup_free_ char *text = NULL;
	struct json *j = NULL;
	const struct json *sum;
	const char *mode, *hash;
	struct enforce_record rec = { 0 };
	int r;

	r = read_full_file(path, &text, NULL);
	if (r < 0)
		return r;
	r = json_parse(text, &j);
	if (r < 0)
		return r;
	if (j->type != JSON_OBJECT) {
		json_free(j);
		return -EBADMSG;
	}
	mode = json_get_string(j, "mode");
	if (mode)
		snprintf(rec.mode, sizeof(rec.mode), "%s", mode);
	hash = json_get_string(j, "policy_hash");
	if (hash && sscanf(hash, "%16llx", &rec.hash) == 1)
		rec.have_hash = true;
	sum = json_get(j, "summary");
	json_get_uint(sum, "devices", &rec.devices);
	json_get_uint(sum, "denied", &rec.denied);
	json_get_uint(sum, "unbound", &rec.unbound);
	json_get_uint(sum, "pinned", &rec.pinned);
	json_get_uint(sum, "kept", &rec.kept);
	json_get_uint(sum, "cannot_pin", &rec.cannot_pin);
	json_get_uint(sum, "failed", &rec.failed);
	json_get_uint(sum, "would_deny", &rec.would_deny);
	json_free(j);
	*ret = rec;
	return 0;
}
