#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016 # backquotes are Markdown, not command substitution
#
# Costs that grow with an input, run by bench/run (or alone: DRVFW=build/src/drvfw/drvfw
# bench/scale.sh). On the real Debian kernel's module tree, with generated inputs:
#   - a policy of 100,000 entries (`drivers = pci:nodrv_N`, as a generator or
#     a long-lived drop-in writes them): one kernel.modprobe helper call
#     (target <= 50 ms), `check` and `generate` (target <= 2 s each; every
#     entry matches no module, so each also prints 100,000 warnings);
#   - `report` over 100,000 records of distinct names (target <= 1 s), what
#     any user can make the kernel request (mount -t TYPE asks for fs-TYPE).
# Medians of wall time and of CPU time (user + system of the process: on a
# loaded machine the wall time also holds the waits for a core).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
drvfw=${DRVFW:-$top/build/src/drvfw/drvfw}
runs=${BENCH_RUNS:-21}
[[ -x $drvfw ]] || { echo "bench/scale: no drvfw at $drvfw" >&2; exit 1; }
root=$("$top/tests/lib/debian-kernel.sh")
kver=$(ls "$root/lib/modules")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
	echo '[deny]'
	seq 0 99999 | sed 's/^/drivers = pci:nodrv_/'
} >"$tmp/policy.conf"
# 100,000 distinct names, in no particular order
awk 'BEGIN { for (i = 0; i < 100000; i++)
	printf "[%12.6f] drvfw: autoload/2 alias=fs-r%08x modules=- action=none\n",
		i / 1000, (i * 2654435761) % 4294967296 }' >"$tmp/records"
: >"$tmp/kmsg"

# median RUNS CMD...: "WALL CPU" in ms, medians of RUNS runs of the whole
# process (one more first, to warm the page cache), output to /dev/null.
cat >"$tmp/median.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}
int main(int argc, char **argv)
{
	int n = atoi(argv[1]), devnull = open("/dev/null", O_WRONLY);
	double *wall = calloc(n + 1, sizeof(double)), *cpu = calloc(n + 1, sizeof(double));
	for (int i = -1; i < n; i++) {
		struct timespec a, b;
		struct rusage ru;
		int status;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
			execv(argv[2], argv + 2);
			_exit(127);
		}
		wait4(pid, &status, 0, &ru);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (i < 0)
			continue;
		wall[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
		cpu[i] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	}
	qsort(wall, n, sizeof(double), cmp);
	qsort(cpu, n, sizeof(double), cmp);
	printf("%.1f %.1f\n", wall[n / 2], cpu[n / 2]);
	return 0;
}
C
cc -O2 -o "$tmp/median" "$tmp/median.c"

dr=("$drvfw" --root "$root" --kver "$kver" --policy "$tmp/policy.conf")
# the helper hands an allowed request to "modprobe": /bin/true here
read -r helper_wall helper_cpu < <(DRVFW_KMSG="$tmp/kmsg" DRVFW_MODPROBE=/bin/true \
	"$tmp/median" "$runs" "${dr[@]}" modprobe-helper -q -- fs-cramfs)
read -r check_wall check_cpu < <("$tmp/median" "$runs" "${dr[@]}" check)
read -r generate_wall generate_cpu < <("$tmp/median" "$runs" "${dr[@]}" generate)
read -r report_wall report_cpu < <("$tmp/median" "$runs" "$drvfw" report -f "$tmp/records")

echo "# scale: kernel tree $kver, $runs runs, $(nproc) cores"
echo
printf '| what | wall | CPU | target |\n|---|---|---|---|\n'
printf '| `modprobe-helper` with a 100,000-entry policy (then exec /bin/true) | %s ms | %s ms | <= 50 ms |\n' \
	"$helper_wall" "$helper_cpu"
printf '| `check` with it | %s ms | %s ms | <= 2 s |\n' "$check_wall" "$check_cpu"
printf '| `generate` with it | %s ms | %s ms | <= 2 s |\n' "$generate_wall" "$generate_cpu"
printf '| `report` over 100,000 distinct names | %s ms | %s ms | <= 1 s |\n' "$report_wall" "$report_cpu"
