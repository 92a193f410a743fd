/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A rate limit shared by every process that logs the same kind of message:
 * drvfw probe runs once per udev event and the modprobe helper once per
 * request_module(), so a limit kept in one process would never trigger. The
 * state is a small file under flock(); a storm of events that cannot be
 * decided logs @burst messages per @interval_sec, then one that says how many
 * were left out.
 */

/*
 * 1: log this message (*ret_suppressed: how many were left out since the
 * last one logged); 0: leave it out. When the state file cannot be used (no
 * /run, not a regular file) the message is logged: a limit that fails must
 * not make a failure silent.
 */
int ratelimit_shared(const char *state_path, unsigned interval_sec, unsigned burst,
		     unsigned *ret_suppressed);

/*
 * The same for records whose text (@name here) any user can choose and
 * repeat (the kernel.modprobe helper's: a request that loads nothing is
 * asked for again and again if a user wants). In each window of
 * @interval_sec the first record of a name is logged, while fewer than
 * @names names (at most RATELIMIT_NAMES_MAX) have been; its repeats, and
 * the names past @names, are left out and counted. A storm of one name
 * leaves one record per window; one of many names, @names. 1 or 0 as
 * ratelimit_shared().
 */
int ratelimit_shared_name(const char *state_path, const char *name, unsigned interval_sec,
			  unsigned names, unsigned *ret_suppressed);

/* The kernel's own printk limit: 10 messages per 5 s. */
#define RATELIMIT_INTERVAL_SEC 5
#define RATELIMIT_BURST 10
/* Names per window: room for the different autoload requests of a boot's busiest seconds. */
#define RATELIMIT_NAMES 64
#define RATELIMIT_NAMES_MAX 64
