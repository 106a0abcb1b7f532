package commands

import "github.com/skiff-containers/skiff/internal/lazy"

// completionScripts are what `completion SHELL` prints, PROG standing for
// the program's name (skiff, or docker through its link). Each asks
// `PROG __complete WORD... CUR` and reads a directive line (:words,
// :files, :dirs) and then one candidate a line, "value<TAB>description".
var completionScripts = lazy.Value(func() map[string]string {
	return map[string]string{
		"bash": bashCompletion,
		"zsh":  zshCompletion,
		"fish": fishCompletion,
	}
})

// bash splits the line itself (COMP_WORDBREAKS would cut `--network=x`
// and `web:/path` in pieces), asks skiff about the whole current word, and
// hands bash the part after the last word break, as it expects.
const bashCompletion = `# bash completion for PROG (source it, or put it in bash-completion's directory)
_PROG_skiff_complete() {
	local line=${COMP_LINE:0:COMP_POINT}
	local -a words
	read -ra words <<<"$line"
	[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
	local out
	out=$("${words[0]}" __complete "${words[@]:1}" 2>/dev/null) || return 0
	local -a lines
	mapfile -t lines <<<"$out"
	local directive=${lines[0]}
	local full=${words[${#words[@]}-1]}
	local cur=${COMP_WORDS[COMP_CWORD]}
	[[ $cur == [=:] ]] && cur=
	local prefix=${full%"$cur"}
	COMPREPLY=()
	local l v
	for l in "${lines[@]:1}"; do
		v=${l%%$'\t'*}
		[[ -n $v && $v == "$prefix"* ]] && COMPREPLY+=("${v#"$prefix"}")
	done
	case $directive in
	:files) COMPREPLY+=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null ;;
	:dirs) COMPREPLY+=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null ;;
	esac
	if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *[:=] ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}
complete -F _PROG_skiff_complete PROG
`

const zshCompletion = `#compdef PROG
# zsh completion for PROG (put it in a directory of $fpath as _PROG, or source it)
_PROG_skiff_complete() {
	local -a out vals descs open
	out=("${(@f)$(${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	local directive=${out[1]} l v
	for l in "${(@)out[2,-1]}"; do
		[[ -z $l ]] && continue
		v=${l%%$'\t'*}
		if [[ $v == *[:=] ]]; then
			open+=("$v") # "web:", "container:": the word goes on
		elif [[ $l == *$'\t'* ]]; then
			vals+=("$v") descs+=("$v  -- ${l#*$'\t'}")
		else
			vals+=("$v") descs+=("$v")
		fi
	done
	(( ${#vals} )) && compadd -l -d descs -- "${vals[@]}"
	(( ${#open} )) && compadd -S '' -- "${open[@]}"
	case $directive in
	:files) _files ;;
	:dirs) _files -/ ;;
	esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
	_PROG_skiff_complete "$@"
else
	compdef _PROG_skiff_complete PROG
fi
`

const fishCompletion = `# fish completion for PROG (put it in ~/.config/fish/completions/PROG.fish, or source it)
function __PROG_skiff_complete
	set -l tokens (commandline -opc) (commandline -ct)
	set -l out ($tokens[1] __complete $tokens[2..-1] 2>/dev/null)
	for l in $out[2..-1]
		echo $l
	end
	switch "$out[1]"
		case :files
			__fish_complete_path (commandline -ct)
		case :dirs
			__fish_complete_directories (commandline -ct)
	end
end
complete -c PROG -f -a '(__PROG_skiff_complete)'
`
