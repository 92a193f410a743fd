#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016 # backquotes are Markdown, not command substitution
#
# Enforcement benchmark, run by bench/run (or alone: DRVFW=build/src/drvfw/drvfw
# bench/enforce.sh). On the real Debian kernel's module tree (so that probe's
# libkmod lookup hits the real 26,000-alias index) and a fake sysfs:
#   - `drvfw probe --udev` for one device, the whole process, as udev runs
#     it per event: a denied e1000 (unbind + pin) and an allowed virtio NIC,
#     with a fresh decision index (drvfw index) and without one; target with
#     the index <= 1.5x starting /bin/true, in the same run;
#   - `drvfw enforce --gate` (the pre-udev step) with and without the index;
#   - `drvfw enforce` over a generated tree of 500 devices;
#   - the peak RSS of each (target <= 20 MiB).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
drvfw=${DRVFW:-$top/build/src/drvfw/drvfw}
runs=${BENCH_RUNS:-21}
probe_runs=$((runs > 51 ? runs : 51))
[[ -x $drvfw ]] || { echo "bench/enforce: no drvfw at $drvfw" >&2; exit 1; }
root=$("$top/tests/lib/debian-kernel.sh")
kver=$(ls "$root/lib/modules")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/policy.conf" <<'POLICY'
[allow]
drivers = pci:virtio-pci virtio:virtio_net,virtio_blk
[deny]
drivers = ALL:ALL
POLICY

# 500 devices: 200 e1000 NICs (denied, bound), 100 virtio-pci transports and
# 100 virtio NICs on them (allowed, bound), 100 USB sticks (denied, bound).
{
	echo "bus pci"; echo "bus virtio"; echo "bus usb"
	for m in e1000 virtio_pci virtio_net usb_storage usbcore; do echo "module $m live"; done
	echo "driver pci e1000 module=e1000"
	echo "driver pci virtio-pci module=virtio_pci"
	echo "driver virtio virtio_net module=virtio_net"
	echo "driver usb usb-storage module=usb_storage"
	for i in $(seq 0 199); do
		printf 'device pci 0000:01:%02x.%d pci0000:00/0000:01:%02x.%d modalias=pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00 driver=e1000\n' \
			$((i / 8)) $((i % 8)) $((i / 8)) $((i % 8))
	done
	for i in $(seq 0 99); do
		printf 'device pci 0000:02:%02x.%d pci0000:00/0000:02:%02x.%d modalias=pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00 driver=virtio-pci\n' \
			$((i / 8)) $((i % 8)) $((i / 8)) $((i % 8))
		printf 'device virtio virtio%d pci0000:00/0000:02:%02x.%d/virtio%d modalias=virtio:d00000001v00001AF4 driver=virtio_net\n' \
			"$i" $((i / 8)) $((i % 8)) "$i"
		printf 'device usb 1-%d:1.0 pci0000:00/0000:00:01.2/usb1/1-%d/1-%d:1.0 modalias=usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00 driver=usb-storage\n' \
			$((i + 1)) $((i + 1)) $((i + 1))
	done
} >"$tmp/500.sysfs"
python3 "$top/tests/fixtures/mksysfs" "$tmp/500.sysfs" "$tmp/sys" >/dev/null
ndev=$(find "$tmp/sys/bus"/*/devices -mindepth 1 -maxdepth 1 | wc -l)

dr=("$drvfw" --root "$root" --kver "$kver" --sysfs "$tmp/sys" --policy "$tmp/policy.conf")

# median_ms RUNS CMD...: the whole process (fork, exec, run, exit) timed by
# bench/runmedian.c: no shell fork sits inside the measured window (on a
# slow-forking machine a bash loop adds a millisecond per run).
cc -O2 -o "$tmp/runmedian" "$top/bench/runmedian.c"
median_ms() { "$tmp/runmedian" "$@"; }

# The decision index of this tree and policy, in a file of the benchmark's
# own (the kernel tree is shared: nothing is written into it).
"${dr[@]}" index -o "$tmp/index.bin"
idx=(--env "DRVFW_INDEX=$tmp/index.bin")
noidx=(--env "DRVFW_INDEX=$tmp/none")
rss_kib() { "$tmp/runmedian" 3 --rss "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

true_ms=$(median_ms "$probe_runs" --empty-env /bin/true)
version_ms=$(median_ms "$probe_runs" --empty-env "$drvfw" --version)
# udev runs a program with the device's properties as its only environment
# (no LANG: no locale files to load), hence --empty-env for probe.
probe_deny=$(median_ms "$probe_runs" --empty-env "${noidx[@]}" "${dr[@]}" probe --udev --no-kmsg pci/0000:01:00.0)
probe_allow=$(median_ms "$probe_runs" --empty-env "${noidx[@]}" "${dr[@]}" probe --udev --no-kmsg virtio/virtio0)
probe_class=$(median_ms "$probe_runs" --empty-env "${noidx[@]}" "${dr[@]}" probe --udev --no-kmsg /devices/pci0000:00/0000:02:00.0)
# the same with the index, and /bin/true again: the ratio is of one stretch of time
true2_ms=$(median_ms "$probe_runs" --empty-env /bin/true)
iprobe_deny=$(median_ms "$probe_runs" --empty-env "${idx[@]}" "${dr[@]}" probe --udev --no-kmsg pci/0000:01:00.0)
iprobe_allow=$(median_ms "$probe_runs" --empty-env "${idx[@]}" "${dr[@]}" probe --udev --no-kmsg virtio/virtio0)
iprobe_class=$(median_ms "$probe_runs" --empty-env "${idx[@]}" "${dr[@]}" probe --udev --no-kmsg /devices/pci0000:00/0000:02:00.0)
true3_ms=$(median_ms "$probe_runs" --empty-env /bin/true)
true_med=$(printf '%s\n' "$true_ms" "$true2_ms" "$true3_ms" | sort -n | sed -n 2p)
gate_ms=$(median_ms "$runs" --empty-env "${noidx[@]}" "${dr[@]}" enforce --gate --dry-run --no-kmsg)
igate_ms=$(median_ms "$runs" --empty-env "${idx[@]}" "${dr[@]}" enforce --gate --dry-run --no-kmsg)
rss_probe=$(rss_kib --empty-env "${noidx[@]}" "${dr[@]}" probe --udev --no-kmsg pci/0000:01:00.0)
rss_iprobe=$(rss_kib --empty-env "${idx[@]}" "${dr[@]}" probe --udev --no-kmsg pci/0000:01:00.0)
rss_index=$(rss_kib "${dr[@]}" index -o "$tmp/index2.bin")
t0=$EPOCHREALTIME
"${dr[@]}" enforce --no-kmsg --report "$tmp/first" >/dev/null
first_ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", (b - a) * 1000 }')
first_writes=$(grep -c '^done write' "$tmp/first/enforce.log")
enforce_ms=$(median_ms "$runs" "${noidx[@]}" "${dr[@]}" enforce --no-kmsg --report "$tmp/report")
enforce_dry=$(median_ms "$runs" "${noidx[@]}" "${dr[@]}" enforce --dry-run --no-kmsg)
audit_ms=$(median_ms "$runs" "${noidx[@]}" "${dr[@]}" audit --json)
rss_enforce=$(rss_kib "${noidx[@]}" "${dr[@]}" enforce --dry-run --no-kmsg)

echo "# enforcement: kernel tree $kver, fake sysfs with $ndev devices; probe $probe_runs runs, others $runs"
echo
printf '| what | median |\n|---|---|\n'
printf '| `/bin/true` (process start on this machine, baseline) | %s ms |\n' "$true_ms"
printf '| `drvfw --version` (drvfw start: libc only; libkmod, libbpf and libsmartcols are loaded when used) | %s ms |\n' "$version_ms"
printf '| `drvfw probe --udev` denied e1000 (unbind + pin), whole process, empty environment as under udev, no index | %s ms |\n' "$probe_deny"
printf '| `drvfw probe --udev` allowed virtio NIC (no write), no index | %s ms |\n' "$probe_allow"
printf '| `drvfw probe --udev` allowed virtio-pci by devpath, no index | %s ms |\n' "$probe_class"
printf '| `drvfw enforce --gate --dry-run` (the pre-udev step), no index | %s ms |\n' "$gate_ms"
printf '| `drvfw enforce --gate --dry-run`, fresh index | %s ms |\n' "$igate_ms"
printf '| `drvfw enforce` over %s devices, 300 denied (first run: %s writes) | %s ms |\n' "$ndev" \
	"$first_writes" "$first_ms"
printf '| `drvfw enforce` again on the same tree (fake files keep their driver links: %s unbinds) | %s ms |\n' \
	"$(grep -c '^done write' "$tmp/report/enforce.log")" "$enforce_ms"
printf '| `drvfw enforce --dry-run` over %s devices | %s ms |\n' "$ndev" "$enforce_dry"
printf '| `drvfw audit --json` on the same tree (for scale) | %s ms |\n' "$audit_ms"
echo
echo "With a fresh decision index (drvfw index), against starting /bin/true in the same run" \
	"(the middle of three medians: $true_ms, $true2_ms, $true3_ms ms):"
echo
printf '| what | median | vs `/bin/true` | target |\n|---|---|---|---|\n'
printf '| `/bin/true` (baseline) | %s ms | 1.00x | |\n' "$true_med"
for row in "denied e1000 (unbind + pin):$iprobe_deny" "allowed virtio NIC:$iprobe_allow" \
	"allowed virtio-pci by devpath:$iprobe_class"; do
	printf '| `drvfw probe --udev`, %s | %s ms | %sx | <= 1.5x |\n' "${row%:*}" "${row##*:}" \
		"$(ratio "${row##*:}" "$true_med")"
done
echo
printf 'Peak RSS: probe %s KiB without the index, %s KiB with it; drvfw index %s KiB;' \
	"$rss_probe" "$rss_iprobe" "$rss_index"
printf ' enforce over %s devices %s KiB (target <= 20480 KiB).\n' "$ndev" "$rss_enforce"
