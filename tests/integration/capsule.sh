#!/usr/bin/env bash
# The shipped capsule and its generated index, on both protocols: every
# option F01-F14 on its programme, kind and destination pages with its
# timing and length, counts that match, no fact the source lacks, search,
# --check's lint, and the rebuild when the tree changes.
# shellcheck source-path=SCRIPTDIR disable=SC2119
SUITE=capsule
. "$(dirname "$0")/lib.sh"

# The source page: shared/ lies beside the repository (as in CI).
SEED=${SEED:-$TOP/../shared/seeds/000_9ec3614b9928ffb8.txt}
if [ ! -r "$SEED" ]; then
	fail "source page readable" "no $SEED: set SEED=path/to/the/seed"
	exit 1
fi
DATA=$TOP/capsule/opportunities.tsv
C=$TMP/capsule
cp -r "$TOP/capsule" "$C"

GPORT=$(free_port)
start_server main --host localhost --gopher "127.0.0.1:$GPORT" "$C"
U=gemini://localhost:$PORT

# gem PATH: the body of a Gemini page (fails on a non-20 header).
gem()
{
	get "$TMP/g" "$U$1"
	[[ $HDR == 20* ]] || { echo "HEADER $HDR"; return 1; }
	body "$TMP/g"
}

# gopher PATH: a Gopher menu's display strings, one a line.
gophm()
{
	curl -s "gopher://127.0.0.1:$GPORT/1$1" | cut -f1 | cut -c2- |
	    tr -d '\r'
}

# block PAGE SOURCE: the lines of the record whose source cell is SOURCE.
block()
{
	awk -v s="* Source page: $2" '
	    /^## / { if (hit) exit; buf = "" }
	    { buf = buf $0 "\n" }
	    $0 == s { hit = 1 }
	    END { if (hit) printf "%s", buf }' <<<"$1"
}

# slug_of INDEXPAGE VALUE: the link path of VALUE on an index page.
link_of()
{
	grep -F " $2 (" <<<"$1" | head -n 1 | awk '{ print $2 }'
}

declare -A IDX
for f in programmes kinds destinations; do
	IDX[$f]=$(gem "/$f/")
done

# ---- every record on each of its pages, Gemini and Gopher --------------
missing=
gmissing=
nrec=0
# Tabs are whitespace to read: a unit separator keeps empty cells.
while IFS=$'\037' read -r id prog level kind what where countries when \
    length src note; do
	case $id in F[0-9]*) ;; *) continue ;; esac
	nrec=$((nrec + 1))
	pages="$(link_of "${IDX[programmes]}" "$prog") $(link_of \
	    "${IDX[kinds]}" "$kind")"
	IFS=';' read -ra cs <<<"$countries"
	for c in "${cs[@]}"; do
		c=$(sed 's/^ *//; s/ *$//' <<<"$c")
		[ -n "$c" ] && pages="$pages $(link_of "${IDX[destinations]}" "$c")"
	done
	for p in $pages; do
		b=$(block "$(gem "$p")" "$src")
		if [ -z "$b" ] || { [ -n "$when" ] && ! grep -qxF \
		    "* When: $when" <<<"$b"; } || { [ -n "$length" ] &&
		    ! grep -qxF "* Length: $length" <<<"$b"; }; then
			missing="$missing $id@$p"
		fi
		m=$(gophm "$p")
		if ! grep -qF "Source page: $src" <<<"$m" ||
		    { [ -n "$length" ] && ! grep -qF "Length: $length" \
		    <<<"$m"; }; then
			gmissing="$gmissing $id@$p"
		fi
	done
done < <(tr '\t' '\037' <"$DATA")
expect_eq "14 records in the data file" "$nrec" 14
expect_eq "each record on its programme, kind and destination pages" \
    "${missing:-none}" none
expect_eq "the same on Gopher" "${gmissing:-none}" none

# ---- counts in index link texts ----------------------------------------
bad=
for f in programmes kinds destinations; do
	group=
	while IFS= read -r line; do
		case $line in
		"## "*) group=${line#\#\# }; continue ;;
		"=> /$f/"*" ("*")") ;;
		*) continue ;;
		esac
		p=$(awk '{ print $2 }' <<<"$line")
		n=${line##*(}
		n=${n%)}
		page=$(gem "$p")
		if [ "$f" = programmes ]; then
			lv=$(tr '[:upper:]' '[:lower:]' <<<"$group")
			if grep -qi '^level not given' <<<"$group"; then
				got=$(($(grep -c '^\* Source page:' <<<"$page") -
				    $(grep -c '^\* Level:' <<<"$page")))
			else
				got=$(grep -cx "\* Level: $lv" <<<"$page")
			fi
		else
			got=$(grep -c '^\* Source page:' <<<"$page")
		fi
		[ "$got" = "$n" ] || bad="$bad $p($n!=$got)"
	done <<<"${IDX[$f]}"
done
expect_eq "counts in index link texts match the pages" "${bad:-none}" none

home=$(gem /)
for f in programmes:programmes kinds:kinds destinations:countries; do
	n=$(grep -oE "=> /${f%%:*}/ [^(]*\(([0-9]+)" <<<"$home" |
	    grep -oE '[0-9]+$')
	links=$(grep -cE "^=> /${f%%:*}/[^ ]+\.gmi " <<<"${IDX[${f%%:*}]}")
	dist=$(grep -oE "^=> /${f%%:*}/[^ ]+\.gmi" <<<"${IDX[${f%%:*}]}" |
	    sort -u | wc -l)
	[ "${f%%:*}" = destinations ] && dist=$((dist - 1))	# find your own
	expect_eq "home page count for ${f%%:*}" "$n" "$dist"
done

# ---- nothing the source does not say -----------------------------------
all=$TMP/all.gmi
: >"$all"
for p in $(gem /sitemap.gmi | awk '/^=> \// { print $2 }'); do
	gem "$p" >>"$all"
done
check "site map lists the generated pages" grep -q \
    '/destinations/sweden.gmi' <(gem /sitemap.gmi)
npages=$(gem /sitemap.gmi | grep -c '^=> /[^ ]')
gen=$(grep -ohE '^=> /(programmes|kinds|destinations)/[^ ]+\.gmi' \
    <<<"${IDX[programmes]}${IDX[kinds]}${IDX[destinations]}" | sort -u |
    wc -l)
expect_eq "site map lists every page, written and generated" "$npages" \
    $(( $(find "$C" -name '*.gmi' | wc -l) + gen + 3 ))
# Numbers: source-line references, link counts and the capsule's own
# dates are ours; every other number must be in the source.
nums=$(grep -v -e '^\* Source page:' -e '^=> [^ ]* 20[0-9][0-9]-' "$all" |
    sed -E 's/ \([0-9]+( [a-z ,]+)?\)$//; s/lines? [0-9]+( and [0-9]+)?//g' |
    grep -oE '[0-9]+' | sort -u)
bad=
for n in $nums; do grep -qw "$n" "$SEED" || bad="$bad $n"; done
expect_eq "every number is in the source" "${bad:-none}" none
bad=
while IFS= read -r country; do
	grep -qw "$country" "$all" && ! grep -qw "$country" "$SEED" &&
	    bad="$bad $country"
done < <(grep -oE '"(common_)?name": "[^"]*"' \
    /usr/share/iso-codes/json/iso_3166-1.json | cut -d'"' -f4)
expect_eq "every country is in the source" "${bad:-none}" none
bad=
while IFS= read -r inst; do
	grep -qF "$inst" "$SEED" || bad="$bad [$inst]"
done < <(grep -oE '([A-Z][a-z]+ )+(University|Institutet|Institute|College|Center|Centre)|University of [A-Z][a-z]+' "$all" | sort -u)
expect_eq "every institution is in the source" "${bad:-none}" none

# ---- search, on both protocols -------------------------------------------
expect_header "search asks for words" \
    "10 Search this capsule: type one or more words" "$U/search"
get "$TMP/s" "$U/search?sweden"
expect_eq "search: title match first" \
    "$(body "$TMP/s" | grep -m1 '^=> ' | awk '{ print $2 }')" \
    /destinations/sweden.gmi
printf '# Köln\n\nA city on the Rhine.\n\n=> / Home\n' >"$C/koln.gmi"
sleep 3
get "$TMP/s" "$U/search?Koln"
expect_match "search is accent-insensitive (Koln finds Köln)" \
    "$(body "$TMP/s")" '=> /koln.gmi Köln'
curl -s "gopher://127.0.0.1:$GPORT/7/search%09karolinska" >"$TMP/gs"
expect_match "Gopher type 7 search" "$(cat "$TMP/gs")" \
    $'1Sweden: options abroad for LUMC students\t/destinations/sweden.gmi'
check "home page links to search" grep -q '^=> /search ' <<<"$home"

# ---- rebuilt on change, without a failed request -------------------------
fails=0
( for _ in $(seq 1 60); do
	"$CAPGET" -t 5 -c "127.0.0.1:$PORT" "$U/kinds/" 2>/dev/null |
	    head -n 1 | grep -q '^20 ' || echo fail
	sleep 0.05
done ) >"$TMP/during" &
loader=$!
sed -i 's/\t16 weeks\t/\t16 weeks (changed)\t/' "$C/opportunities.tsv"
for _ in $(seq 1 50); do
	gem /kinds/research-internships.gmi | grep -q '16 weeks (changed)' &&
	    break
	sleep 0.2
done
check "data file change rebuilds the pages" grep -q '16 weeks (changed)' \
    <(gem /kinds/research-internships.gmi)
wait "$loader"
fails=$(grep -c fail "$TMP/during")
expect_eq "no failed request while rebuilding" "$fails" 0

# A malformed data file: reported with file and line; the last good
# index stays.
printf 'F99\tonly three\tcells\n' >>"$C/opportunities.tsv"
for _ in $(seq 1 50); do
	grep -q 'opportunities.tsv:[0-9]*:' "$LOG" && break
	sleep 0.2
done
check "malformed data file logged with file and line" grep -qE \
    'opportunities\.tsv:[0-9]+: ' "$LOG"
check "last good index still served" grep -q '16 weeks (changed)' \
    <(gem /kinds/research-internships.gmi)
"$CAPSULED" --check "$C" >/dev/null 2>"$TMP/check.err"
expect_eq "--check exits 1 on a malformed data file" "$?" 1
check "--check names file and line" grep -qE 'opportunities\.tsv:[0-9]+:' \
    "$TMP/check.err"
stop_server

# ---- --check lints the capsule -------------------------------------------
"$CAPSULED" --check "$TOP/capsule" >/dev/null 2>"$TMP/ok.err"
expect_eq "the shipped capsule passes --check" "$?" 0
L=$TMP/lint
mkdir -p "$L"
printf 'no title here\n' >"$L/notitle.gmi"
printf '# Links\n\n=> missing.gmi Gone\n' >"$L/broken.gmi"
printf '# Tabs\n\nprose\twith a tab\n' >"$L/tab.gmi"
{ printf '# Big\n\n'; head -c 3000 /dev/zero | tr '\0' 'a'; echo; } \
    >"$L/big.gmi"
{ printf '# Pre\n\n```\n'; printf '%080d\n' 0; printf '```\n'; } \
    >"$L/pre.gmi"
"$CAPSULED" --check "$L" >/dev/null 2>"$TMP/lint.err"
expect_eq "--check exits 1 on lint problems" "$?" 1
e=$(cat "$TMP/lint.err")
expect_match "lint: missing title" "$e" 'notitle.gmi: no "# " title'
expect_match "lint: broken link" "$e" 'broken.gmi:3: link does not resolve'
expect_match "lint: TAB in prose" "$e" 'tab.gmi:3: TAB in prose'
expect_match "lint: page over 2 KB" "$e" 'big.gmi: page over 2 KB'
expect_match "lint: Gopher line too wide" "$e" 'pre.gmi:[0-9]+: Gopher'
