// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a loaded guard blocks, for audit. A file of its own: it needs the
 * loader (libbpf), and what only formats records (the kernel.modprobe
 * helper, which links libc only) must not pull that in.
 */
#include <errno.h>

#include "guard.h"

int guard_blocked_for(const struct sysroot *root, char ***ret)
{
	int r;

	*ret = NULL;
	if (!sysroot_is_running(root))
		return 0;
	r = guard_blocked_read(ret);
	return r == -ENOENT || r == -EOPNOTSUPP ? 0 : r;
}
