#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016 # backquotes are Markdown, not command substitution
#
# What an attacker or a large site can grow, run by bench/run (or alone:
# DRVFW=build/src/drvfw/drvfw bench/hostile.sh). On the real Debian module
# tree, medians of whole processes (bench/runmedian.c), each against a
# named baseline in the same run:
#   - `drvfw report` over 100,000 distinct request names (any user can mint
#     fs-<random> requests) against `sort -u` of the same file; target <= 1 s;
#     its peak RSS (table and --json) against sort's; target <= 20 MiB;
#   - the kernel.modprobe helper with a 100,000-entry policy against the
#     same helper with no policy; target <= 50 ms;
#   - `drvfw check` and `drvfw generate` with that policy against
#     `modprobe -c`; target <= 2 s each;
#   - `drvfw check` with 100,000 entries naming one driver on as many buses
#     (one long list of buses per driver), against the 100,000 drivers;
#   - `drvfw audit` with a modprobe.d file of 80,000 blacklist and install
#     lines, each attributed to its FILE:LINE, against `modprobe -c` reading
#     the same file; target <= 2 s; its peak RSS, target <= 20 MiB; the
#     same with 80,000 softdep lines for names no module has; and a glob
#     softdep line matching every module with 1,000 names no module has,
#     then a line for each module with 20 such names, in a file kmod reads
#     before drvfw's (the glob line is each module's first);
#   - `drvfw report --trace` pairing 32,000 autoload records of one name
#     with as many module_request events, against the report without the
#     trace; target <= 1 s.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
drvfw=${DRVFW:-$top/build/src/drvfw/drvfw}
runs=${BENCH_RUNS:-21}
[[ -x $drvfw ]] || { echo "bench/hostile: no drvfw at $drvfw" >&2; exit 1; }
root=$("$top/tests/lib/debian-kernel.sh")
kver=$(ls "$root/lib/modules")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/runmedian" "$top/bench/runmedian.c"
median_ms() { "$tmp/runmedian" "$@"; }

# 100,000 entries, one per line, as a policy generated from an inventory would be
{
	echo "[deny]"
	for ((i = 0; i < 100000; i++)); do echo "drivers = pci:nodrv_$i"; done
} >"$tmp/big.conf"
# the same count, one driver on 100,000 buses
{
	echo "[deny]"
	for ((i = 0; i < 100000; i++)); do echo "drivers = bus$i:nodrv"; done
} >"$tmp/buses.conf"
# 100,000 records of distinct names, as dmesg shows them
awk 'BEGIN { srand(1); for (i = 0; i < 100000; i++)
	printf "[%12.6f] drvfw: autoload/2 alias=fs-r%08x%04x modules=- action=none\n",
	       i / 1000, int(rand() * 4294967295), i % 65536 }' >"$tmp/names.log"
: >"$tmp/kmsg"

report=$(median_ms "$runs" "$drvfw" report -f "$tmp/names.log")
rss_report=$("$tmp/runmedian" 3 --rss "$drvfw" report -f "$tmp/names.log")
rss_report_json=$("$tmp/runmedian" 3 --rss "$drvfw" report --json -f "$tmp/names.log")
rss_sort=$("$tmp/runmedian" 3 --rss /usr/bin/sort -u -o "$tmp/sorted" "$tmp/names.log")
# one name asked for 32,000 times (an AF_ALG bind asks for crypto-NAME)
awk 'BEGIN { for (i = 0; i < 32000; i++) {
	printf "[%12.6f] drvfw: autoload/2 alias=crypto-x modules=- action=none\n", 1000 + i / 1000 > "'"$tmp/one.log"'"
	printf "  a-%d [001] ..... %.6f: module_request: crypto-x wait=1 call_site=x\n", 100 + i, 1000 + i / 1000 > "'"$tmp/one.trace"'" } }'
report_trace=$(median_ms 5 "$drvfw" report -f "$tmp/one.log" -t "$tmp/one.trace")
report_one=$(median_ms 5 "$drvfw" report -f "$tmp/one.log")
sort_u=$(median_ms "$runs" /usr/bin/sort -u -o "$tmp/sorted" "$tmp/names.log")
env=(/usr/bin/env "DRVFW_KMSG=$tmp/kmsg" DRVFW_MODPROBE=/bin/true)
helper=(modprobe-helper -q -- fs-cramfs)
helper_big=$(median_ms "$runs" --empty-env "${env[@]}" "$drvfw" --root "$root" --kver "$kver" \
	--policy "$tmp/big.conf" "${helper[@]}")
helper_none=$(median_ms "$runs" --empty-env "${env[@]}" "$drvfw" --root "$root" --kver "$kver" \
	--policy /dev/null "${helper[@]}")
dr=("$drvfw" --root "$root" --kver "$kver" --sysfs "" --policy "$tmp/big.conf" -q)
check=$(median_ms 5 "${dr[@]}" check)
check_buses=$(median_ms 5 "$drvfw" --root "$root" --kver "$kver" --sysfs "" --policy "$tmp/buses.conf" -q check)
generate=$(median_ms 5 "${dr[@]}" generate)
modprobe_c=$(median_ms 5 /sbin/modprobe -d "$root" -S "$kver" -c)
# the module tree under a root of its own whose /etc/modprobe.d holds the file
mkdir -p "$tmp/mroot/etc/modprobe.d"
ln -s "$root/lib" "$tmp/mroot/lib"
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "blacklist mod%d\ninstall mod%d /bin/true\n", i, i }' \
	>"$tmp/mroot/etc/modprobe.d/big.conf"
audit_conf=$(median_ms 5 "$drvfw" --root "$tmp/mroot" --kver "$kver" --sysfs "" --policy /dev/null -q \
	audit --json)
modprobe_conf=$(median_ms 5 /sbin/modprobe -d "$tmp/mroot" -S "$kver" -C "$tmp/mroot/etc/modprobe.d" -c)
rss_audit_conf=$("$tmp/runmedian" 3 --rss "$drvfw" --root "$tmp/mroot" --kver "$kver" --sysfs "" \
	--policy /dev/null -q audit --json)
rss_modprobe_conf=$("$tmp/runmedian" 3 --rss /sbin/modprobe -d "$tmp/mroot" -S "$kver" \
	-C "$tmp/mroot/etc/modprobe.d" -c)
mkdir -p "$tmp/sroot/etc/modprobe.d"
ln -s "$root/lib" "$tmp/sroot/lib"
awk 'BEGIN { for (i = 0; i < 80000; i++) printf "softdep mod%d pre: loop\n", i }' \
	>"$tmp/sroot/etc/modprobe.d/softdep.conf"
audit_softdep=$(median_ms 5 "$drvfw" --root "$tmp/sroot" --kver "$kver" --sysfs "" --policy /dev/null \
	-q audit --json)
modprobe_softdep=$(median_ms 5 /sbin/modprobe -d "$tmp/sroot" -S "$kver" \
	-C "$tmp/sroot/etc/modprobe.d" -c)
rss_audit_softdep=$("$tmp/runmedian" 3 --rss "$drvfw" --root "$tmp/sroot" --kver "$kver" --sysfs "" \
	--policy /dev/null -q audit --json)
rss_modprobe_softdep=$("$tmp/runmedian" 3 --rss /sbin/modprobe -d "$tmp/sroot" -S "$kver" \
	-C "$tmp/sroot/etc/modprobe.d" -c)
mkdir -p "$tmp/groot/etc/modprobe.d"
ln -s "$root/lib" "$tmp/groot/lib"
{
	awk 'BEGIN { printf "softdep * pre:"; for (j = 0; j < 1000; j++) printf " glob_none%d", j; print "" }'
	sed 's|:.*||; s|.*/||; s|\.ko.*||' "$root/lib/modules/$kver/modules.dep" |
		awk '{ printf "softdep %s pre:", $1; for (j = 0; j < 20; j++) printf " none%d_%d", NR, j; print "" }'
} >"$tmp/groot/etc/modprobe.d/0-early.conf"
audit_glob=$(median_ms 5 "$drvfw" --root "$tmp/groot" --kver "$kver" --sysfs "" --policy /dev/null \
	-q audit --json)
modprobe_glob=$(median_ms 5 /sbin/modprobe -d "$tmp/groot" -S "$kver" \
	-C "$tmp/groot/etc/modprobe.d" -c)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "Inputs that grow ($runs runs; check, generate and modprobe -c 5 runs):"
echo
printf '| what | median | baseline | ratio | target |\n|---|---|---|---|---|\n'
printf '| `drvfw report` over 100,000 distinct names | %s ms | `sort -u` of the file %s ms | %s× | ≤ 1000 ms |\n' \
	"$report" "$sort_u" "$(ratio "$report" "$sort_u")"
printf '| peak RSS of that report (table; `--json`) | %s KiB; %s KiB | `sort -u` of the file %s KiB | %s×; %s× | ≤ 20480 KiB |\n' \
	"$rss_report" "$rss_report_json" "$rss_sort" "$(ratio "$rss_report" "$rss_sort")" \
	"$(ratio "$rss_report_json" "$rss_sort")"
printf '| helper call, 100,000-entry policy | %s ms | same helper, no policy %s ms | %s× | ≤ 50 ms |\n' \
	"$helper_big" "$helper_none" "$(ratio "$helper_big" "$helper_none")"
printf '| `drvfw check`, 100,000-entry policy | %s ms | `modprobe -c` %s ms | %s× | ≤ 2000 ms |\n' \
	"$check" "$modprobe_c" "$(ratio "$check" "$modprobe_c")"
printf '| `drvfw generate`, 100,000-entry policy | %s ms | `modprobe -c` %s ms | %s× | ≤ 2000 ms |\n' \
	"$generate" "$modprobe_c" "$(ratio "$generate" "$modprobe_c")"
printf '| `drvfw check`, one driver on 100,000 buses | %s ms | 100,000 drivers on one bus %s ms | %s× | ≤ 2000 ms |\n' \
	"$check_buses" "$check" "$(ratio "$check_buses" "$check")"
printf '| `drvfw report --trace`, 32,000 requests of one name | %s ms | the same report without the trace %s ms | %s× | ≤ 1000 ms |\n' \
	"$report_trace" "$report_one" "$(ratio "$report_trace" "$report_one")"
printf '| `drvfw audit --json`, 80,000 modprobe.d lines | %s ms | `modprobe -c` of the same %s ms | %s× | ≤ 2000 ms |\n' \
	"$audit_conf" "$modprobe_conf" "$(ratio "$audit_conf" "$modprobe_conf")"
printf '| peak RSS of that audit | %s KiB | `modprobe -c` of the same %s KiB | %s× | ≤ 20480 KiB |\n' \
	"$rss_audit_conf" "$rss_modprobe_conf" "$(ratio "$rss_audit_conf" "$rss_modprobe_conf")"
printf '| `drvfw audit --json`, 80,000 softdep lines | %s ms | `modprobe -c` of the same %s ms | %s× | ≤ 2000 ms |\n' \
	"$audit_softdep" "$modprobe_softdep" "$(ratio "$audit_softdep" "$modprobe_softdep")"
printf '| peak RSS of that audit | %s KiB | `modprobe -c` of the same %s KiB | %s× | ≤ 20480 KiB |\n' \
	"$rss_audit_softdep" "$rss_modprobe_softdep" \
	"$(ratio "$rss_audit_softdep" "$rss_modprobe_softdep")"
printf '| `drvfw audit --json`, a glob softdep line of 1,000 names, then one per module | %s ms | `modprobe -c` of the same %s ms | %s× | ≤ 2000 ms |\n' \
	"$audit_glob" "$modprobe_glob" "$(ratio "$audit_glob" "$modprobe_glob")"
