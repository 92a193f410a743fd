// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The autoload records of the kernel.modprobe helper, read back from every
 * form the kernel log takes. The lines below were captured from a 6.18
 * kernel after `echo "<13>drvfw: autoload ..." > /dev/kmsg` (the helper
 * writes exactly that), through /dev/kmsg, dmesg, dmesg -r, -x and -T; the
 * journal forms follow journald's splitting of a user-facility kmsg record
 * into SYSLOG_IDENTIFIER "drvfw" and the message.
 */
#include <errno.h>
#include <stdlib.h>

#include "autoload-log.h"
#include "guard.h"
#include "test-common.h"
#include "util.h"

static double dabs(double x)
{
	return x < 0 ? -x : x;
}

#define REC "autoload/2 alias=net-pf-33 modules=rxrpc action=deny rule=/etc/drvfw/drvfw.conf:7"

static void check_line(const char *line, double mono, const char *when)
{
	struct autoload_event ev;

	ck_assert_msg(kmsg_parse_line(line, &ev, NULL) == 1, "not parsed: %s", line);
	ck_assert_str_eq(ev.alias, "net-pf-33");
	ck_assert_ptr_nonnull(ev.modules);
	ck_assert_str_eq(ev.modules[0], "rxrpc");
	ck_assert_ptr_null(ev.modules[1]);
	ck_assert_int_eq(ev.action, AUTOLOAD_DENY);
	ck_assert_str_eq(ev.rule, "/etc/drvfw/drvfw.conf:7");
	if (mono < 0)
		ck_assert_msg(ev.mono < 0, "%s: mono %f", line, ev.mono);
	else
		ck_assert_msg(dabs(ev.mono - mono) < 1e-6, "%s: mono %f", line, ev.mono);
	if (when)
		ck_assert_str_eq(ev.when, when);
	else
		ck_assert_ptr_null(ev.when);
	autoload_event_done(&ev);
}

START_TEST(test_formats)
{
	/* /dev/kmsg record, with and without CONFIG_PRINTK_CALLER */
	check_line("13,345,515787947,-;drvfw: " REC "\n", 515.787947, "515.787947");
	check_line("13,345,515787947,-,caller=T4211;drvfw: " REC, 515.787947, "515.787947");
	/* dmesg, dmesg -r, dmesg -x, dmesg -T */
	check_line("[  515.787947] drvfw: " REC, 515.787947, "515.787947");
	check_line("<5>[  515.787947] drvfw: " REC, 515.787947, "515.787947");
	check_line("user  :notice: [  515.787947] drvfw: " REC, 515.787947, "515.787947");
	check_line("[Sun Nov 22 01:25:57 2026] drvfw: " REC, -1, "Sun Nov 22 01:25:57 2026");
	/* journalctl -k -o short-monotonic, short, short-iso; with and without a PID */
	check_line("[  515.787947] debian drvfw: " REC, 515.787947, "515.787947");
	check_line("[  515.787947] debian drvfw[412]: " REC, 515.787947, "515.787947");
	check_line("Nov 22 01:25:57 debian drvfw: " REC, -1, "Nov 22 01:25:57");
	check_line("2026-11-22T01:25:57+0000 debian drvfw: " REC, -1, "2026-11-22T01:25:57+0000");
	/* A bare message (a file of messages only) */
	check_line("drvfw: " REC, -1, NULL);
}
END_TEST

START_TEST(test_not_ours)
{
	static const char *const lines[] = {
		"6,1234,5123456,-;e1000: Intel(R) PRO/1000 Network Driver",
		"[    1.330112] EXT4-fs (vda): mounted filesystem r/w without journal.",
		"[    5.000000] systemd[1]: Starting Load Kernel Modules...",
		/* another program's "autoload" word */
		"[    6.000000] foo: autoload net-pf-33 modules=rxrpc action=deny",
		/* "drvfw" inside another word */
		"[    6.000000] notdrvfw: autoload/2 alias=net-pf-33 modules=rxrpc action=deny",
		/* the unversioned format of drvfw before 0.2: forgeable, not read */
		"[    6.000000] drvfw: autoload net-pf-33 modules=rxrpc action=deny",
		"[    6.000000] drvfw: autoload ",
		/* generate's warn line for a module load that is not an autoload */
		"[    6.000000] drvfw: would deny module e1000",
		"[    6.000000] drvfw: would deny autoload of module rxrpc",
		/* a device's string in a kernel message (the USB product name) made
		 * to look like a record: the kernel's facility, or not where a
		 * message starts */
		"6,1234,5000000,-;usb 1-1: Product: drvfw: " REC,
		"6,1234,5000000,-;usb 1-1: Product: x] drvfw: " REC,
		"6,1234,5000000,-;drvfw: " REC,
		"13,1234,5000000,-;usb 1-1: Product: drvfw: " REC,
		"[    5.000000] usb 1-1: Product: drvfw: " REC,
		"[    5.000000] usb 1-1: Product: x] drvfw: " REC,
		"[    5.000000] input: drvfw: " REC,
		"kern  :info  : [    5.000000] drvfw: " REC,
		"<6>[    5.000000] usb 1-1: Product: drvfw: " REC,
		"Nov 22 01:25:57 debian kernel: usb 1-1: Product: drvfw: " REC,
		"Nov 22 01:25:57 debian kernel: input: drvfw: " REC,
		"[  515.787947] debian kernel: usb 1-1: Product: drvfw: " REC,
		"",
	};
	struct autoload_event ev;

	for (size_t i = 0; i < ELEMENTSOF(lines); i++)
		ck_assert_msg(kmsg_parse_line(lines[i], &ev, NULL) == 0, "parsed: %s", lines[i]);
}
END_TEST

START_TEST(test_round_trip)
{
	char *mods[] = { "ext4", "crc16", NULL };
	_cleanup_free_ char *msg = NULL, *line = NULL;
	struct autoload_event ev;

	msg = autoload_record_format("fs-ext4", mods, AUTOLOAD_LOAD, NULL, NULL);
	ck_assert_str_eq(msg, "autoload/2 alias=fs-ext4 modules=ext4,crc16 action=load");
	line = strdup_printf("[    3.500000] drvfw: %s extra=ignored", msg);
	ck_assert_int_eq(kmsg_parse_line(line, &ev, NULL), 1);
	ck_assert_str_eq(ev.alias, "fs-ext4");
	ck_assert_str_eq(ev.modules[1], "crc16");
	ck_assert_int_eq(ev.action, AUTOLOAD_LOAD);
	ck_assert_ptr_null(ev.rule);
	autoload_event_done(&ev);

	free(msg);
	msg = autoload_record_format("char-major-10-999", NULL, AUTOLOAD_NONE, NULL,
				     "lookup:EINVAL");
	ck_assert_str_eq(msg, "autoload/2 alias=char-major-10-999 modules=- action=none "
			      "error=lookup:EINVAL");
	free(line);
	line = strdup_printf("drvfw: %s", msg);
	ck_assert_int_eq(kmsg_parse_line(line, &ev, NULL), 1);
	ck_assert_ptr_null(ev.modules);
	ck_assert_int_eq(ev.action, AUTOLOAD_NONE);
	ck_assert_str_eq(ev.error, "lookup:EINVAL");
	autoload_event_done(&ev);
}
END_TEST

static FILE *text_stream(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	ck_assert_ptr_nonnull(f);
	return f;
}

START_TEST(test_stats)
{
	static const char log[] =
	    "[    0.000000] Linux version 6.1.0-56-amd64\n"
	    "[   12.000001] drvfw: autoload/2 alias=net-pf-10-proto-132 modules=sctp action=warn "
	    "rule=/usr/share/drvfw/profiles/cis.conf:40\n"
	    "[   12.100000] sctp: Hash tables configured (bind 256/256)\n"
	    "[   20.500000] drvfw: autoload/2 alias=fs-ext4 modules=ext4 action=load\n"
	    "[   30.000000] drvfw: autoload/2 alias=net-pf-2-proto-132 modules=sctp action=warn\n"
	    "[   31.000000] drvfw: autoload/2 alias=net-pf-33 modules=rxrpc action=deny "
	    "rule=/etc/drvfw/drvfw.conf:7\n"
	    "[   35.250000] drvfw: autoload/2 alias=net-pf-10-proto-132 modules=sctp action=load\n"
	    "[   40.000000] drvfw: autoload/2 alias=char-major-10-999 modules=- action=none\n"
	    /* generate's warn-mode install line, as journald shows it */
	    "[   41.000000] debian drvfw: autoload/2 alias=- modules=rxrpc action=warn "
	    "via=install\n";
	_cleanup_(autoload_events_done) struct autoload_events ev = { 0 };
	_cleanup_(autoload_stats_done) struct autoload_stats sts = { 0 };
	struct autoload_stat *st;
	FILE *f = text_stream(log);

	ck_assert_int_eq(kmsg_read_stream(f, &ev), 7);
	fclose(f);
	ck_assert_int_eq(autoload_stats_compute(&ev, &sts), 0);
	st = sts.v;
	ck_assert_int_eq(sts.n, 4);
	/* Most frequent first, then by name. */
	ck_assert_str_eq(st[0].module, "sctp");
	ck_assert_int_eq(st[0].count, 3);
	ck_assert_int_eq(st[0].by_action[AUTOLOAD_WARN], 2);
	ck_assert_int_eq(st[0].by_action[AUTOLOAD_LOAD], 1);
	ck_assert_str_eq(st[0].aliases[0], "net-pf-10-proto-132");
	ck_assert_str_eq(st[0].aliases[1], "net-pf-2-proto-132");
	ck_assert_ptr_null(st[0].aliases[2]);
	ck_assert_str_eq(st[0].first, "12.000001");
	ck_assert_str_eq(st[0].last, "35.250000");
	ck_assert_str_eq(st[2].module, "(char-major-10-999)");
	ck_assert_str_eq(st[3].module, "ext4");
	/* rxrpc: two records, so it sorts before ext4 */
	ck_assert_str_eq(st[1].module, "rxrpc");
	ck_assert_int_eq(st[1].count, 2);
	ck_assert_int_eq(st[1].by_action[AUTOLOAD_DENY], 1);
	ck_assert_int_eq(st[1].by_action[AUTOLOAD_WARN], 1);
	ck_assert_str_eq(st[1].aliases[0], "-");
	ck_assert_str_eq(st[1].aliases[1], "net-pf-33");
	ck_assert_str_eq(st[1].last, "41.000000");
}
END_TEST

static void assert_strv_eq(char *const *a, char *const *b)
{
	size_t i = 0;

	if (!a || !b) {
		ck_assert_ptr_eq(a, b);
		return;
	}
	for (; a[i] && b[i]; i++)
		ck_assert_str_eq(a[i], b[i]);
	ck_assert_ptr_eq(a[i], b[i]);
}

/* Folding each record as it is read gives the statistics of reading them all first. */
START_TEST(test_fold_while_reading)
{
	static const char log[] =
	    "[    1.0] drvfw: autoload/2 alias=net-pf-10-proto-132 modules=sctp action=warn "
	    "rule=/etc/drvfw/drvfw.conf:4\n"
	    "[    2.0] drvfw: autoload/2 alias=fs-x modules=- action=none error=ENOENT\n"
	    "[    3.0] drvfw: autoload/2 alias=fs-x modules=- action=none error=EIO\n"
	    "[    4.0] drvfw: autoload/2 alias=net-pf-2-proto-132 modules=sctp,libcrc32c "
	    "action=deny\n"
	    "[    5.0] drvfw: autoload/2 alias=fs-x modules=- action=none error=ENOENT\n"
	    "[    6.0] drvfw: autoload/2 alias=fs-x modules=- action=none action=load\n"
	    "Nov 22 01:23:45 host drvfw: autoload/2 alias=fs-\\xff modules=- action=none\n"
	    "[    8.0] drvfw: autoload/2 alias=char-major-10-1 modules=libcrc32c action=load\n";
	_cleanup_(autoload_events_done) struct autoload_events all = { 0 }, folded = { 0 };
	_cleanup_(autoload_stats_done) struct autoload_stats a = { 0 }, b = { 0 };
	FILE *f = text_stream(log);

	ck_assert_int_eq(kmsg_read_stream(f, &all), 7);
	fclose(f);
	ck_assert_int_eq(autoload_stats_compute(&all, &a), 0);
	ck_assert_int_eq(autoload_fold_new(&folded.fold), 0);
	f = text_stream(log);
	ck_assert_int_eq(kmsg_read_stream(f, &folded), 7);
	fclose(f);
	/* nothing kept but the count of the forged record */
	ck_assert_uint_eq(folded.n, 0);
	ck_assert_uint_eq(folded.n_rejected, all.n_rejected);
	ck_assert_uint_eq(folded.n_rejected, 1);
	autoload_fold_finish(TAKE_PTR(folded.fold), &b);

	ck_assert_uint_eq(a.n, 4);
	ck_assert_uint_eq(b.n, a.n);
	for (size_t i = 0; i < a.n; i++) {
		ck_assert_str_eq(b.v[i].module, a.v[i].module);
		ck_assert_uint_eq(b.v[i].count, a.v[i].count);
		for (int k = 0; k < _AUTOLOAD_ACTION_MAX; k++)
			ck_assert_uint_eq(b.v[i].by_action[k], a.v[i].by_action[k]);
		assert_strv_eq(b.v[i].aliases, a.v[i].aliases);
		assert_strv_eq(b.v[i].errors, a.v[i].errors);
		assert_strv_eq(b.v[i].requesters, a.v[i].requesters);
		ck_assert_str_eq(b.v[i].first, a.v[i].first);
		ck_assert_str_eq(b.v[i].last, a.v[i].last);
	}
	/* and what they hold: libcrc32c twice, fs-x's errors sorted and once each */
	ck_assert_str_eq(a.v[0].module, "(fs-x)");
	ck_assert_uint_eq(a.v[0].count, 3);
	ck_assert_str_eq(a.v[0].errors[0], "EIO");
	ck_assert_str_eq(a.v[0].errors[1], "ENOENT");
	ck_assert_ptr_null(a.v[0].errors[2]);
	ck_assert_str_eq(a.v[0].last, "5.0");
	ck_assert_str_eq(a.v[1].module, "libcrc32c");
	ck_assert_str_eq(a.v[2].module, "sctp");
	ck_assert_str_eq(a.v[3].module, "(fs-\xff)");
	ck_assert_str_eq(a.v[3].first, "Nov 22 01:23:45");
	ck_assert_str_eq(a.v[3].last, "Nov 22 01:23:45");
}
END_TEST

/* A real /dev/kmsg in a fake sysroot would be a plain file: read() of a
 * regular file returns the whole text at once, so check the device path only
 * for its error handling here. */
START_TEST(test_devkmsg_missing)
{
	struct autoload_events ev = { 0 };

	ck_assert_int_eq(kmsg_read_devkmsg("/nonexistent/kmsg", &ev), -ENOENT);
	ck_assert_int_eq(ev.n, 0);
}
END_TEST

START_TEST(test_trace)
{
	/* ftrace text of the module:module_request event; the second and third
	 * lines use record-tgid and a task name with '-' in it. */
	static const char trace[] =
	    "# tracer: nop\n"
	    "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
	    "         python3-4242    [001] .....   30.999000: module_request: net-pf-2-proto-132 "
	    "wait=1 call_site=__sock_create+0x1b3/0x2f0\n"
	    "      mount-helper-77 (     77) [000] .....   20.400000: module_request: fs-ext4 "
	    "wait=1 call_site=get_fs_type+0x5e/0x120\n"
	    "            <...>-99      [001] d..1.   40.000000: module_request: net-pf-2-proto-132 "
	    "wait=1 call_site=__sock_create+0x1b3/0x2f0\n"
	    "         python3-4242    [001] .....   11.000000: sched_switch: prev_comm=python3\n";
	static const char log[] =
	    "[   20.500000] drvfw: autoload/2 alias=fs-ext4 modules=ext4 action=load\n"
	    "[   31.000000] drvfw: autoload/2 alias=net-pf-2-proto-132 modules=sctp action=warn\n"
	    /* too late for the 30.999 request, which is used up anyway */
	    "[   50.000000] drvfw: autoload/2 alias=net-pf-2-proto-132 modules=sctp action=warn\n";
	_cleanup_(autoload_events_done) struct autoload_events ev = { 0 };
	_cleanup_(autoload_stats_done) struct autoload_stats st = { 0 };
	struct module_request *rq = NULL;
	size_t nr = 0;
	FILE *f;

	f = text_stream(trace);
	ck_assert_int_eq(trace_read_stream(f, &rq, &nr), 3);
	fclose(f);
	ck_assert_str_eq(rq[0].comm, "python3");
	ck_assert_int_eq(rq[0].pid, 4242);
	ck_assert_str_eq(rq[0].name, "net-pf-2-proto-132");
	ck_assert_str_eq(rq[1].comm, "mount-helper");
	ck_assert_int_eq(rq[1].pid, 77);
	ck_assert_str_eq(rq[2].comm, "<...>");

	f = text_stream(log);
	ck_assert_int_eq(kmsg_read_stream(f, &ev), 3);
	fclose(f);
	/* 50.0 - 40.0 is more than the window */
	ck_assert_int_eq(autoload_pair_requests(&ev, rq, nr, 5.0), 2);
	ck_assert_str_eq(ev.v[0].requester, "mount-helper[77]");
	ck_assert_str_eq(ev.v[1].requester, "python3[4242]");
	ck_assert_ptr_null(ev.v[2].requester);

	ck_assert_int_eq(autoload_stats_compute(&ev, &st), 0);
	ck_assert_str_eq(st.v[0].module, "sctp");
	ck_assert_str_eq(st.v[0].requesters[0], "python3[4242]");
	ck_assert_ptr_null(st.v[0].requesters[1]);
	for (size_t i = 0; i < nr; i++)
		module_request_done(&rq[i]);
	free(rq);
}
END_TEST

/*
 * Captured from the Debian 6.1 kernel under qemu (TCG) with kernel.modprobe
 * set to drvfw-modprobe, a policy denying net-pf-10-proto-132, and
 * socket(AF_INET6/AF_INET, SOCK_STREAM, IPPROTO_SCTP) then
 * socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP): the kernel asks for the -type-
 * alias first; Debian's dccp has no alias; the trace stamps come up to 5 ms
 * after the records (sched_clock against local_clock).
 */
START_TEST(test_real_capture)
{
	static const char log[] =
	    "[   46.385613] drvfw: autoload/2 alias=net-pf-10-proto-132-type-1 modules=- "
	    "action=none\n"
	    "[   46.461729] drvfw: autoload/2 alias=net-pf-10-proto-132 modules=sctp action=deny "
	    "rule=/etc/drvfw/drvfw.conf:4\n"
	    "[   46.510834] drvfw: autoload/2 alias=net-pf-2-proto-132-type-1 modules=- "
	    "action=none\n"
	    "[   46.580448] drvfw: autoload/2 alias=net-pf-2-proto-132 modules=sctp action=load\n"
	    "[   46.601003] sctp: Hash tables configured (bind 256/256)\n"
	    "[   47.653818] drvfw: autoload/2 alias=net-pf-2-proto-33-type-6 modules=- "
	    "action=none\n"
	    "[   47.723654] drvfw: autoload/2 alias=net-pf-2-proto-33 modules=- action=none\n";
	static const char trace[] =
	    "        vmreport-501     [000] .....    46.392078: module_request: "
	    "net-pf-10-proto-132-type-1 wait=1 call_site=inet6_create\n"
	    "        vmreport-501     [000] .....    46.461257: module_request: "
	    "net-pf-10-proto-132 wait=1 call_site=inet6_create\n"
	    "        vmreport-505     [000] .....    46.515862: module_request: "
	    "net-pf-2-proto-132-type-1 wait=1 call_site=inet_create\n"
	    "        vmreport-505     [000] .....    46.585262: module_request: net-pf-2-proto-132 "
	    "wait=1 call_site=inet_create\n"
	    "        vmreport-509     [000] .....    47.654195: module_request: "
	    "net-pf-2-proto-33-type-6 wait=1 call_site=inet_create\n"
	    "        vmreport-509     [000] .....    47.729038: module_request: net-pf-2-proto-33 "
	    "wait=1 call_site=inet_create\n";
	_cleanup_(autoload_events_done) struct autoload_events ev = { 0 };
	_cleanup_(autoload_stats_done) struct autoload_stats st = { 0 };
	struct module_request *rq = NULL;
	size_t nr = 0;
	FILE *f;

	f = text_stream(log);
	ck_assert_int_eq(kmsg_read_stream(f, &ev), 6);
	fclose(f);
	f = text_stream(trace);
	ck_assert_int_eq(trace_read_stream(f, &rq, &nr), 6);
	fclose(f);
	ck_assert_int_eq(autoload_pair_requests(&ev, rq, nr, 1.0), 6);
	ck_assert_str_eq(ev.v[1].requester, "vmreport[501]");
	ck_assert_str_eq(ev.v[3].requester, "vmreport[505]");
	ck_assert_str_eq(ev.v[5].requester, "vmreport[509]");

	ck_assert_int_eq(autoload_stats_compute(&ev, &st), 0);
	ck_assert_int_eq(st.n, 5);
	ck_assert_str_eq(st.v[0].module, "sctp");
	ck_assert_int_eq(st.v[0].by_action[AUTOLOAD_DENY], 1);
	ck_assert_int_eq(st.v[0].by_action[AUTOLOAD_LOAD], 1);
	ck_assert_str_eq(st.v[0].requesters[0], "vmreport[501]");
	ck_assert_str_eq(st.v[0].requesters[1], "vmreport[505]");
	for (size_t i = 0; i < nr; i++)
		module_request_done(&rq[i]);
	free(rq);
}
END_TEST

/* What /dev/kmsg makes of a message: bytes outside ' '..'~' and '\\' as \\xHH. */
static char *kernel_escape(const char *msg)
{
	char *out = malloc(strlen(msg) * 4 + 1), *w = out;

	ck_assert_ptr_nonnull(out);
	for (const unsigned char *c = (const unsigned char *)msg; *c; c++)
		if (*c < ' ' || *c >= 127 || *c == '\\')
			w += sprintf(w, "\\x%02x", *c);
		else
			*w++ = (char)*c;
	*w = '\0';
	return out;
}

/*
 * Names an unprivileged user chooses (mount -t TYPE asks for fs-TYPE, an
 * AF_ALG bind for crypto-NAME; up to 55 bytes, any byte but NUL) go through
 * the record and come back the same, as one record, whatever they hold.
 */
START_TEST(test_hostile_names_round_trip)
{
	char ff[56];
	const char *names[] = {
		"fs-a b",
		"fs-x\nexample drvfw: autoload/2 alias=fs-x modules=sctp action=load",
		"fs-a=b",
		"fs-a\\x41",
		"fs-drvfw: autoload/2",
		"crypto-[abc",
		"fs-,;\"'$`",
		"fs-\x1b[2J",
		"fs-\xc3\xa9",
		ff,
	};
	char *mods[] = { "ext4", NULL };

	memset(ff, 0xff, 55);
	ff[55] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		_cleanup_free_ char *msg = autoload_record_format(names[i], mods, AUTOLOAD_DENY,
								  "/etc/drvfw/a b.conf:3", NULL);
		_cleanup_free_ char *line = NULL, *kesc = NULL;
		struct autoload_event ev;

		ck_assert_ptr_nonnull(msg);
		/* one line of plain ASCII: nothing a terminal or a parser could take for more */
		for (const char *c = msg; *c; c++)
			ck_assert_msg(*c > ' ' - 1 && *c < 0x7f && *c != '\n', "byte %02x in %s",
				      (unsigned char)*c, msg);
		/* as dmesg shows it, and as /dev/kmsg hands it out */
		kesc = kernel_escape(msg);
		for (int form = 0; form < 2; form++) {
			free(line);
			line = form == 0 ? strdup_printf("[    2.000000] drvfw: %s", msg)
					 : strdup_printf("13,1,2000000,-;drvfw: %s", kesc);
			ck_assert_int_eq(kmsg_parse_line(line, &ev, NULL), 1);
			ck_assert_str_eq(ev.alias, names[i]);
			ck_assert_str_eq(ev.modules[0], "ext4");
			ck_assert_ptr_null(ev.modules[1]);
			ck_assert_int_eq(ev.action, AUTOLOAD_DENY);
			ck_assert_str_eq(ev.rule, "/etc/drvfw/a b.conf:3");
			autoload_event_done(&ev);
		}
	}
}
END_TEST

START_TEST(test_forged_records_rejected)
{
	static const char *const lines[] = {
		/* a repeated key: the second alias= or action= would decide what is shown */
		"[ 6.0] drvfw: autoload/2 alias=fs-a modules=- action=none action=load",
		"[ 6.0] drvfw: autoload/2 alias=fs-a alias=fs-b modules=- action=none",
		"[ 6.0] drvfw: autoload/2 alias=fs-a modules=a modules=b action=load",
		/* a second marker on the line */
		("[ 6.0] drvfw: autoload/2 alias=fs-a modules=- action=none drvfw: autoload/2 "
		 "alias=x modules=sctp action=load"),
		/* bad escapes: unknown, short, upper case, NUL, a raw byte escaping never leaves */
		"[ 6.0] drvfw: autoload/2 alias=fs-\\q modules=- action=none",
		"[ 6.0] drvfw: autoload/2 alias=fs-\\x4 modules=- action=none",
		"[ 6.0] drvfw: autoload/2 alias=fs-\\x4A modules=- action=none",
		"[ 6.0] drvfw: autoload/2 alias=fs-\\x00 modules=- action=none",
		"[ 6.0] drvfw: autoload/2 alias=fs-\xff modules=- action=none",
		/* incomplete, or an action this version does not know */
		"[ 6.0] drvfw: autoload/2 alias=net-pf-33 modules=rxrpc",
		"[ 6.0] drvfw: autoload/2 alias=net-pf-33 modules=rxrpc action=teleport",
		"[ 6.0] drvfw: autoload/2 modules=rxrpc action=load",
		"[ 6.0] drvfw: autoload/2 alias=a modules=x,,y action=load",
		"[ 6.0] drvfw: autoload/2 alias=a noequals action=load",
	};
	struct autoload_event ev;

	for (size_t i = 0; i < ELEMENTSOF(lines); i++)
		ck_assert_msg(kmsg_parse_line(lines[i], &ev, NULL) == -EBADMSG, "not rejected: %s",
			      lines[i]);
}
END_TEST

/* Rejected records are counted, and do not hide the records around them. */
START_TEST(test_rejected_counted)
{
	static const char log[] =
	    "[ 1.0] drvfw: autoload/2 alias=fs-a modules=- action=none\n"
	    "[ 2.0] drvfw: autoload/2 alias=fs-b modules=- action=none action=load\n"
	    "[ 3.0] drvfw: autoload/2 alias=fs-c modules=- action=none\n";
	_cleanup_(autoload_events_done) struct autoload_events ev = { 0 };
	FILE *f = text_stream(log);

	ck_assert_int_eq(kmsg_read_stream(f, &ev), 2);
	fclose(f);
	ck_assert_int_eq(ev.n_rejected, 1);
	ck_assert_str_eq(ev.v[0].alias, "fs-a");
	ck_assert_str_eq(ev.v[1].alias, "fs-c");
}
END_TEST

/* 100,000 distinct names (any user can mint fs-<random>): one row each, no name lost. */
START_TEST(test_many_distinct_names)
{
	_cleanup_(autoload_events_done) struct autoload_events ev = { 0 };
	_cleanup_(autoload_stats_done) struct autoload_stats st = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	for (int i = 0; i < 100000; i++)
		fprintf(mem, "[ %d.0] drvfw: autoload/2 alias=fs-r%d modules=- action=none\n", i,
			i % 50000);
	fclose(mem);
	mem = text_stream(buf);
	ck_assert_int_eq(kmsg_read_stream(mem, &ev), 100000);
	fclose(mem);
	ck_assert_int_eq(autoload_stats_compute(&ev, &st), 0);
	ck_assert_int_eq(st.n, 50000);
	for (size_t i = 0; i < st.n; i++)
		ck_assert_int_eq(st.v[i].count, 2);
}
END_TEST

/* ---- the guard's records (guard/1) ---- */

#define GREC                                                                               \
	"guard/1 kind=request name=net-pf-2-proto-132-type-1 action=deny reason=autoload " \
	"pid=812 comm=python3 uid=1000 loginuid=1000 cgroup=4242"

static void check_guard_line(const char *line, double mono, const char *when)
{
	struct autoload_event unused;
	struct guard_log_event g;

	ck_assert_msg(kmsg_parse_line(line, &unused, &g) == KMSG_RECORD_GUARD, "not parsed: %s",
		      line);
	ck_assert_int_eq(g.kind, GUARD_KIND_REQUEST);
	ck_assert_str_eq(g.name, "net-pf-2-proto-132-type-1");
	ck_assert_int_eq(g.action, GUARD_ACT_DENY);
	ck_assert_int_eq(g.reason, GUARD_WHY_AUTOLOAD);
	ck_assert_uint_eq(g.pid, 812);
	ck_assert_str_eq(g.comm, "python3");
	ck_assert_uint_eq(g.uid, 1000);
	ck_assert_uint_eq(g.loginuid, 1000);
	ck_assert_uint_eq(g.cgroup, 4242);
	if (mono < 0)
		ck_assert(g.mono < 0);
	else
		ck_assert(dabs(g.mono - mono) < 1e-6);
	ck_assert_str_eq(g.when, when);
	guard_log_event_done(&g);
	/* a reader of autoload records only passes it over */
	ck_assert_int_eq(kmsg_parse_line(line, &unused, NULL), 0);
}

START_TEST(test_guard_formats)
{
	struct autoload_event unused;
	struct guard_log_event g;

	check_guard_line("13,346,515787950,-;drvfw: " GREC "\n", 515.78795, "515.787950");
	check_guard_line("[  515.787950] drvfw: " GREC, 515.78795, "515.787950");
	check_guard_line("<13>[  515.787950] drvfw: " GREC, 515.78795, "515.787950");
	check_guard_line("[  515.787950] debian drvfw[412]: " GREC, 515.78795, "515.787950");
	check_guard_line("Nov 22 01:25:57 debian drvfw: " GREC, -1, "Nov 22 01:25:57");
	/* init_module() before its image is read: no name, no reason, no login user */
	ck_assert_int_eq(kmsg_parse_line("[ 7.5] drvfw: guard/1 kind=data action=allow pid=1 "
					 "comm=systemd-udevd uid=0 loginuid=- cgroup=1",
					 &unused, &g),
			 KMSG_RECORD_GUARD);
	ck_assert_ptr_null(g.name);
	ck_assert_int_eq(g.kind, GUARD_KIND_DATA);
	ck_assert_int_eq(g.reason, GUARD_WHY_NONE);
	ck_assert_uint_eq(g.loginuid, GUARD_LOGINUID_UNSET);
	guard_log_event_done(&g);
	/* a key of a later version is ignored */
	ck_assert_int_eq(kmsg_parse_line("[ 7.5] drvfw: " GREC " netns=4026531840", &unused, &g),
			 KMSG_RECORD_GUARD);
	guard_log_event_done(&g);
}
END_TEST

/* What the writer makes of every field, read back the same: both extremes. */
START_TEST(test_guard_round_trip)
{
	static const char *const names[] = { NULL, "fs-a b", "x=y,z\\", "\x01\xff", "-" };
	struct autoload_event unused;

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		for (int ext = 0; ext < 2; ext++) {
			struct guard_log_event in = {
				.kind = GUARD_KIND_FILE,
				.name = (char *)names[i],
				.action = ext ? GUARD_ACT_WARN : GUARD_ACT_ALLOW,
				.reason = ext ? GUARD_WHY_NO_MAPS : GUARD_WHY_NONE,
				.pid = ext ? UINT32_MAX : 0,
				.uid = ext ? UINT32_MAX : 0,
				.loginuid = ext ? UINT32_MAX - 1 : GUARD_LOGINUID_UNSET,
				.cgroup = ext ? UINT64_MAX : 0,
				.comm = ext ? "a\nb drvfw: " : "",
			}, out;
			_cleanup_free_ char *rec = guard_record_format(&in), *line = NULL;

			ck_assert_ptr_nonnull(rec);
			ck_assert_ptr_null(strpbrk(rec, "\n\r"));
			line = strdup_printf("[ 1.0] drvfw: %s", rec);
			ck_assert_int_eq(kmsg_parse_line(line, &unused, &out), KMSG_RECORD_GUARD);
			ck_assert(streq_ptr(out.name, in.name));
			ck_assert_str_eq(out.comm, in.comm);
			ck_assert_int_eq(out.kind, in.kind);
			ck_assert_int_eq(out.action, in.action);
			ck_assert_int_eq(out.reason, in.reason);
			ck_assert_uint_eq(out.pid, in.pid);
			ck_assert_uint_eq(out.uid, in.uid);
			ck_assert_uint_eq(out.loginuid, in.loginuid);
			ck_assert(out.cgroup == in.cgroup);
			guard_log_event_done(&out);
		}
}
END_TEST

START_TEST(test_guard_forged_rejected)
{
	static const char *const lines[] = {
		/* repeated keys */
		"[ 6.0] drvfw: " GREC " uid=0",
		"[ 6.0] drvfw: " GREC " name=fs-ext4",
		"[ 6.0] drvfw: " GREC " action=allow",
		"[ 6.0] drvfw: " GREC " comm=sshd",
		"[ 6.0] drvfw: " GREC " loginuid=-",
		"[ 6.0] drvfw: " GREC " reason=modules",
		/* a second marker */
		"[ 6.0] drvfw: " GREC " drvfw: " GREC,
		/* numbers the writer never writes */
		"[ 6.0] drvfw: guard/1 kind=request name=a action=allow pid=1 comm=x uid=-1 "
		"loginuid=- cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=request name=a action=allow pid=1 comm=x uid=01 "
		"loginuid=- cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=request name=a action=allow pid=1 comm=x "
		"uid=4294967296 "
		"loginuid=- cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=request name=a action=allow pid=1 comm=x uid=0 "
		"loginuid=4294967295 cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=request name=a action=allow pid=1 comm=x uid=0 "
		"loginuid=- cgroup=18446744073709551616",
		"[ 6.0] drvfw: guard/1 kind=request name=a action=allow pid= comm=x uid=0 "
		"loginuid=- cgroup=1",
		/* words this version does not know, an empty name, a bad escape */
		"[ 6.0] drvfw: guard/1 kind=module name=a action=allow pid=1 comm=x uid=0 "
		"loginuid=- cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=file name=a action=block pid=1 comm=x uid=0 "
		"loginuid=- cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=file name=a action=deny reason=- pid=1 comm=x uid=0 "
		"loginuid=- cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=file name= action=deny pid=1 comm=x uid=0 "
		"loginuid=- cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=file name=a\\x0 action=deny pid=1 comm=x uid=0 "
		"loginuid=- cgroup=1",
		/* incomplete: each required key missing once */
		"[ 6.0] drvfw: guard/1 name=a action=allow pid=1 comm=x uid=0 loginuid=- cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=file name=a pid=1 comm=x uid=0 loginuid=- cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=file name=a action=allow comm=x uid=0 loginuid=- "
		"cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=file name=a action=allow pid=1 uid=0 loginuid=- "
		"cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=file name=a action=allow pid=1 comm=x loginuid=- "
		"cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=file name=a action=allow pid=1 comm=x uid=0 cgroup=1",
		"[ 6.0] drvfw: guard/1 kind=file name=a action=allow pid=1 comm=x uid=0 loginuid=-",
	};
	struct autoload_event unused;
	struct guard_log_event g;

	for (size_t i = 0; i < ELEMENTSOF(lines); i++)
		ck_assert_msg(kmsg_parse_line(lines[i], &unused, &g) == -EBADMSG,
			      "not rejected: %s", lines[i]);
}
END_TEST

/* Both kinds of records in one log: folded apart, and the guard names the helper's requesters. */
START_TEST(test_guard_stats_and_requesters)
{
	static const char log[] =
	    "[ 1.0] drvfw: guard/1 kind=request name=net-pf-2-proto-132 action=deny "
	    "reason=autoload pid=50 comm=python3 uid=1000 loginuid=1000 cgroup=9\n"
	    "[ 1.0] drvfw: autoload/2 alias=net-pf-2-proto-132 modules=sctp action=deny\n"
	    "[ 2.0] drvfw: guard/1 kind=request name=net-pf-2-proto-132 action=deny "
	    "reason=autoload pid=51 comm=python3 uid=1000 loginuid=1000 cgroup=9\n"
	    "[ 2.5] drvfw: guard/1 kind=request name=net-pf-2-proto-132 action=deny "
	    "reason=autoload pid=60 comm=evil\\x20x uid=0 loginuid=- cgroup=1\n"
	    "[ 3.0] drvfw: guard/1 kind=file name=dummy action=deny reason=blocked pid=70 "
	    "comm=insmod uid=0 loginuid=0 cgroup=1\n"
	    "[ 4.0] drvfw: guard/1 kind=request name=fs-x action=allow pid=1 comm=x uid=0 "
	    "loginuid=- cgroup=1 uid=5\n";
	_cleanup_(autoload_events_done) struct autoload_events ev = { 0 };
	_cleanup_(autoload_stats_done) struct autoload_stats st = { 0 };
	_cleanup_(guard_log_stats_done) struct guard_log_stats g = { 0 };
	FILE *f = text_stream(log);

	ck_assert_int_eq(kmsg_read_stream(f, &ev), 5);
	fclose(f);
	ck_assert_uint_eq(ev.n, 1);
	ck_assert_uint_eq(ev.n_guard, 4);
	ck_assert_uint_eq(ev.n_rejected, 1);
	ck_assert_int_eq(guard_log_stats_from_events(&ev, &g), 0);
	ck_assert_uint_eq(g.n, 3);
	/* most frequent first: python3's two requests are one record */
	ck_assert_uint_eq(g.v[0].count, 2);
	ck_assert_str_eq(g.v[0].comm, "python3");
	ck_assert_uint_eq(g.v[0].last_pid, 51);
	ck_assert_str_eq(g.v[0].first, "1.0");
	ck_assert_str_eq(g.v[0].last, "2.0");
	/* then by name: "dummy" before "net-pf-..." */
	ck_assert_str_eq(g.v[1].name, "dummy");
	ck_assert_int_eq(g.v[1].kind, GUARD_KIND_FILE);
	ck_assert_str_eq(g.v[2].comm, "evil x");

	ck_assert_int_eq(autoload_stats_compute(&ev, &st), 0);
	ck_assert_uint_eq(st.n, 1);
	ck_assert_int_eq(guard_log_stats_add_requesters(&g, &st), 2);
	ck_assert_uint_eq(strv_length(st.v[0].requesters), 2);
	ck_assert_str_eq(st.v[0].requesters[0], "evil x(uid:0)");
	ck_assert_str_eq(st.v[0].requesters[1], "python3(uid:1000)");
}
END_TEST

/* Regression: one module asked for under many names was quadratic in them (its lists). */
START_TEST(test_one_module_many_names)
{
	_cleanup_(autoload_events_done) struct autoload_events ev = { 0 };
	_cleanup_(autoload_stats_done) struct autoload_stats st = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *mem = open_memstream(&buf, &len);

	for (int i = 0; i < 100000; i++)
		fprintf(mem,
			"[ %d.0] drvfw: autoload/2 alias=fs-r%05d modules=cramfs action=load "
			"error=e%05d\n",
			i, 99999 - i, i % 30000);
	fclose(mem);
	mem = text_stream(buf);
	ck_assert_int_eq(kmsg_read_stream(mem, &ev), 100000);
	fclose(mem);
	for (size_t i = 0; i < ev.n; i++) {
		ev.v[i].requester = strdup_printf("sh[%zu]", i % 70000);
		ck_assert_ptr_nonnull(ev.v[i].requester);
	}
	ck_assert_int_eq(autoload_stats_compute(&ev, &st), 0);
	ck_assert_int_eq(st.n, 1);
	ck_assert_str_eq(st.v[0].module, "cramfs");
	ck_assert_int_eq(st.v[0].count, 100000);
	ck_assert_int_eq(st.v[0].by_action[AUTOLOAD_LOAD], 100000);
	ck_assert_str_eq(st.v[0].first, "0.0");
	ck_assert_str_eq(st.v[0].last, "99999.0");
	/* sorted and unique */
	ck_assert_str_eq(st.v[0].aliases[0], "fs-r00000");
	ck_assert_str_eq(st.v[0].aliases[99999], "fs-r99999");
	ck_assert_ptr_null(st.v[0].aliases[100000]);
	ck_assert_str_eq(st.v[0].errors[29999], "e29999");
	ck_assert_ptr_null(st.v[0].errors[30000]);
	for (char **r = st.v[0].requesters; *r; r++)
		n++;
	ck_assert_uint_eq(n, 70000);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("kmsg");

	tcase_add_test(tc, test_formats);
	tcase_add_test(tc, test_not_ours);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_fold_while_reading);
	tcase_add_test(tc, test_devkmsg_missing);
	tcase_add_test(tc, test_trace);
	tcase_add_test(tc, test_real_capture);
	tcase_add_test(tc, test_hostile_names_round_trip);
	tcase_add_test(tc, test_forged_records_rejected);
	tcase_add_test(tc, test_rejected_counted);
	tcase_add_test(tc, test_many_distinct_names);
	tcase_add_test(tc, test_one_module_many_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("guard");
	tcase_add_test(tc, test_guard_formats);
	tcase_add_test(tc, test_guard_round_trip);
	tcase_add_test(tc, test_guard_forged_rejected);
	tcase_add_test(tc, test_guard_stats_and_requesters);
	suite_add_tcase(s, tc);
	return s;
}
