// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guard's kernel side when drvfw is built without BPF support
 * (meson -Dbpf=disabled, or clang, bpftool or libbpf missing): every call
 * says so, and the rest of drvfw works as before.
 */
#include <errno.h>

#include "guard.h"

int guard_bpf_lsm_active(char **ret_list)
{
	if (ret_list)
		*ret_list = NULL;
	return -EOPNOTSUPP;
}

int guard_mount_filesystems(void)
{
	return -EOPNOTSUPP;
}

int guard_load(const struct guard_maps *m, unsigned flags, enum guard_load_result *ret,
	       char **ret_log)
{
	if (ret_log)
		*ret_log = NULL;
	return -EOPNOTSUPP;
}

int guard_unload(void)
{
	return -EOPNOTSUPP;
}

int guard_state_read(struct guard_state *st)
{
	*st = (struct guard_state){ 0 };
	return -EOPNOTSUPP;
}

int guard_records_read(struct guard_record **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	return -EOPNOTSUPP;
}

int guard_blocked_read(char ***ret)
{
	*ret = NULL;
	return -EOPNOTSUPP;
}

int guard_follow(int (*cb)(const struct guard_event *ev, void *userdata), void *userdata)
{
	return -EOPNOTSUPP;
}

int guard_fill_maps(const int fds[6], const struct guard_maps *m)
{
	return -EOPNOTSUPP;
}
