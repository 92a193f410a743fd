// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guard's program with one more entry point, for tests: a syscall
 * program (BPF_PROG_TEST_RUN) that decides a request name with the same
 * code and maps as the kernel_module_request hook, so a test can feed it
 * every name of a module database and compare with user space
 * (tests/bpf/guard-kernel-check.c).
 */
#include "../../src/bpf/guard.bpf.c"

struct decide_args {
	__u8 name[GUARD_NAME_MAX];
	__u32 len;
	__u32 denied;
	__u32 why;
	__u32 done;
};

SEC("syscall")
int drvfw_test_decide(struct decide_args *a)
{
	struct guard_scan sc = {};
	const struct guard_cfg *c;
	__u32 slot = 0, why = GUARD_WHY_NONE;

	c = active_cfg(&slot);
	if (!c || !bpf_map_lookup_elem(&prefixes, &slot))
		return 1;
	__builtin_memcpy(sc.key.data, a->name, sizeof(sc.key.data));
	sc.len = a->len & (GUARD_NAME_MAX - 1);
	sc.env = slot;
	a->denied = guard_request_denied(&sc, &why);
	a->why = why;
	a->done = 1;
	return 0;
}
