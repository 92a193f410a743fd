# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for drvfw(8)
#
# Commands and options are read from 'drvfw --help' and 'drvfw CMD --help',
# so the completion follows the binary it completes; only option arguments
# are known here.
# COMPREPLY=($(compgen ...)) is the completion idiom; compgen output has no
# spaces to protect.
# shellcheck disable=SC2207

_drvfw_commands()
{
	"$1" --help 2>/dev/null | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on && !/^  / { on = 0 }'
}

_drvfw_options()
{
	# The options a --help defines, at the start of its lines ("-o, --output
	# LIST", "     --kmsg PATH"); not those its descriptions mention: the
	# command list of 'drvfw --help' names allow's --now, which drvfw itself
	# rejects.
	"$@" --help 2>/dev/null |
		sed -nE 's/^ {1,8}(-[A-Za-z0-9])?(, )?(--[A-Za-z][A-Za-z0-9-]*)?( .*|$)/\1 \3/p' |
		tr ' ' '\n' | grep -E '^-' | sort -u
}

# The columns a listing command offers for -o ("Available output columns:").
_drvfw_columns()
{
	"$@" --help 2>/dev/null |
		awk '/^Available output columns:/ { on = 1; next } on && NF { print $1; next } on { on = 0 }'
}

# The value of global option $1 among the words typed so far (--root DIR or
# --root=DIR), or nothing.
_drvfw_word_value()
{
	local i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		"$1")
			((i + 1 < cword)) && printf '%s\n' "${words[i + 1]}"
			return
			;;
		"$1"=*)
			printf '%s\n' "${words[i]#*=}"
			return
			;;
		esac
	done
}

_drvfw_profiles()
{
	local dir given
	given=$(_drvfw_word_value --profiledir)
	for dir in "$given" "${DRVFW_PROFILEDIR:-}" /usr/share/drvfw/profiles /usr/local/share/drvfw/profiles; do
		[[ -n $dir && -d $dir ]] || continue
		(cd "$dir" && ls -1 -- *.conf 2>/dev/null | sed 's/\.conf$//')
		return
	done
}

# Kernel versions with a module tree under ROOT/lib/modules (--root).
_drvfw_kvers()
{
	local root
	root=$(_drvfw_word_value --root)
	ls -1 "${root%/}/lib/modules" 2>/dev/null
}

_drvfw_buses()
{
	ls -1 /sys/bus 2>/dev/null
}

# bus:driver pairs bound now, for allow/deny
_drvfw_pairs()
{
	local d
	for d in /sys/bus/*/drivers/*; do
		[[ -d $d ]] || continue
		d=${d#/sys/bus/}
		printf '%s:%s\n' "${d%%/*}" "${d##*/}"
	done 2>/dev/null
	printf '%s\n' ALL:ALL
}

_drvfw()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion -n : || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local drvfw=${words[0]} cmd='' i

	# the first word that is not an option or an option's argument
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--root | --kver | --moddir | --sysfs | --kallsyms | --policy | --cmdline | --profiledir)
			((i++)) ;;
		-*) ;;
		*)
			cmd=${words[i]}
			break
			;;
		esac
	done

	case $prev in
	--root | --moddir | --sysfs | --profiledir | --report)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--loader | -l)
		[[ $cmd == bootcfg ]] && COMPREPLY=($(compgen -W 'grub kernel-install uki' -- "$cur"))
		return
		;;
	--reserve | --cmdline-size)
		return
		;;
	--policy | --kallsyms | --symbols | -f | --file | --kmsg | -t | --trace | -o | --output)
		# -o is FILE for learn and generate, a column list for listings:
		# COL,COL,... (a leading + adds to the default columns)
		if [[ $prev == -o || $prev == --output ]] && [[ $cmd != learn && $cmd != generate ]]; then
			local head=${cur%"${cur##*,}"} last=${cur##*,}
			[[ -z $head && $last == +* ]] && head=+ && last=${last#+}
			COMPREPLY=($(compgen -P "$head" -W "$(_drvfw_columns "$drvfw" "$cmd")" -- "$last"))
			compopt -o nospace 2>/dev/null || true
			return
		fi
		if [[ $cmd == generate && ($prev == -f || $prev == --format) ]]; then
			COMPREPLY=($(compgen -W 'modprobe cmdline udev' -- "$cur"))
			return
		fi
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--format)
		COMPREPLY=($(compgen -W 'modprobe cmdline udev' -- "$cur"))
		return
		;;
	--kver)
		COMPREPLY=($(compgen -W "$(_drvfw_kvers)" -- "$cur"))
		return
		;;
	--profile)
		COMPREPLY=($(compgen -W "$(_drvfw_profiles)" -- "$cur"))
		return
		;;
	--keep-bus | -b | --bus)
		COMPREPLY=($(compgen -W "$(_drvfw_buses)" -- "$cur"))
		return
		;;
	--cmdline)
		return
		;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(_drvfw_options "$drvfw")" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_drvfw_commands "$drvfw")" -- "$cur"))
		fi
		return
	fi

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_drvfw_options "$drvfw" "$cmd")" -- "$cur"))
		return
	fi
	case $cmd in
	allow | deny)
		COMPREPLY=($(compgen -W "$(_drvfw_pairs)" -- "$cur"))
		declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
		;;
	explain)
		COMPREPLY=($(compgen -W "$(_drvfw_pairs)" -- "$cur"))
		declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
		;;
	esac
}

complete -F _drvfw drvfw
