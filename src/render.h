/*
 * capsuled: the declarations of the pure renderers (gopher.c, gemtext.c,
 * index.c, sitemap.c) and of search.c, kept apart so capsuled.h stays
 * readable. It is included by capsuled.h, where it belongs in the reading
 * order; do not include it on its own.
 */
#ifndef CAPSULED_RENDER_H
#define CAPSULED_RENDER_H

/* ---- gopher.c and gemtext.c (pure) ----------------------------------- */

/* RFC 1436 "Gopher Item Types"/4266 practice: selectors up to 255 bytes. */
#define GOPHER_SELECTOR_MAX	255
/* Display width of a menu line (CONTENT.md: 67 columns, RFC 1436 < 70). */
#define GOPHER_WIDTH		67
/* Default Gopher ports: 70 (RFC 1436) as root, 7070 otherwise. */
#define GOPHER_PORT		70
#define GOPHER_PORT_USER	7070
/* Host and port written on info and error lines, which lead nowhere. */
#define GOPHER_NULL_HOST	"null.host"
#define GOPHER_NULL_PORT	0

/* What kind of request a Gopher line is. */
enum gopher_kind {
	GOPHER_SELECTOR = 0,	/* an ordinary selector (maybe a search) */
	GOPHER_URL,		/* "URL:..." selector: answer an HTML page */
	GOPHER_HTTP,		/* "GET /... HTTP/1.x": an HTTP client */
};

/* A parsed Gopher request. */
struct gopher_req {
	enum gopher_kind kind;			/* see above */
	char	 path[GOPHER_SELECTOR_MAX + 2];	/* normalised "/..." */
	char	 url[GOPHER_SELECTOR_MAX + 1];	/* for GOPHER_URL: target */
	char	 search[GOPHER_SELECTOR_MAX + 1];	/* text after TAB */
	int	 has_search;			/* a TAB + search string */
	int	 is_plus;			/* Gopher+ (TAB then + ! $) */
};

/*
 * Longest Gopher request line before CR LF: selector, TAB, search string
 * and a Gopher+ tail (RFC 1436 sets no limit; this matches gmid's 1024
 * and fits the connection's GEMINI_REQ_MAX request buffer).
 */
#define GOPHER_LINE_MAX		1024

/* A menu being built: a buffer that grows as items are added. */
struct gopher_menu {
	char	*buf;		/* menu bytes so far, malloc'd */
	size_t	 len;		/* bytes used in buf */
	size_t	 cap;		/* bytes allocated for buf */
	int	 is_failed;	/* an allocation failed: the menu is lost */
};

/* One menu line; the writer sanitises display and checks the rest. */
struct gopher_item {
	char		 type;		/* item type, 'i' for information */
	const char	*lead;		/* written before display, or NULL */
	const char	*display;	/* text shown to the user */
	size_t		 dlen;		/* bytes of display */
	const char	*sel;		/* selector, not NUL-terminated */
	size_t		 slen;		/* bytes of sel */
	const char	*host;		/* host name, not NUL-terminated */
	size_t		 hlen;		/* bytes of host */
	int		 port;		/* TCP port */
};

/* Where a menu's links point: the server as clients should reach it. */
struct gopher_ctx {
	const char	*host;		/* host name written into items */
	int		 port;		/* port written into items */
	const char	*dir;		/* selector of the page's directory,
					   "/" or "/a/b/", for relative links */
};

/* Line length before CR LF or a bare LF, or GEMINI_FRAME_* values. */
ssize_t	gopher_frame(const char *buf, size_t len);
/* Parses one request line; 0, or -1 with a short reason in err. */
int	gopher_parse(const char *line, size_t len, struct gopher_req *,
	    char *err, size_t errsz);
/* 1 if s has a C0 control or DEL: a byte no selector may hold. */
int	gopher_has_ctl(const char *s, size_t len);
/* Item type for a file name or link target ('0', '1', 'I', '9', ...). */
char	gopher_item_type(const char *name);
/* An error menu: one type-3 line and ".". Malloc'd, NULL on failure. */
char	*gopher_error(const char *msg, size_t *lenp);
/* Renders a Bucktooth/Gophernicus-style gophermap into a menu. */
char	*gopher_map(const char *src, size_t len, const struct gopher_ctx *,
	    size_t *lenp);
/* Renders gemtext as a Gopher menu (info lines wrapped at 67 columns). */
char	*gemtext_to_gopher(const char *src, size_t len,
	    const struct gopher_ctx *, size_t *lenp);
/* Display columns of UTF-8 text (wide = 2, combining = 0). */
size_t	gemtext_width(const char *s, size_t len);
/* Bytes of the longest prefix of s that fits in cols display columns. */
size_t	gemtext_cut(const char *s, size_t len, size_t cols);
/*
 * Copies len bytes to dst (room for len) with controls, TAB, CR and LF
 * made spaces and invalid UTF-8 made '?'; returns the bytes written.
 * Display columns stay the same.
 */
size_t	gemtext_clean(char *dst, const char *s, size_t len);
/*
 * The menu writer. An item that cannot be written as given (bad type,
 * control characters in selector or host) becomes an information line.
 */
void	gopher_menu_add(struct gopher_menu *, const struct gopher_item *);
/* Adds an information line ('i', no selector, GOPHER_NULL_HOST). */
void	gopher_menu_info(struct gopher_menu *, const char *text, size_t len);
/* Appends ".\r\n" and hands the buffer over; NULL (freed) on failure. */
char	*gopher_menu_end(struct gopher_menu *, size_t *lenp);
/*
 * Resolves a selector against the directory dir ("/a/b/"): absolute ones
 * stay, relative ones are appended, then dot segments are removed.
 * -1 if it climbs above the root or does not fit dstsz.
 */
int	gopher_resolve(const char *dir, const char *rel, size_t len,
	    char *dst, size_t dstsz);

/* ---- index.c and sitemap.c (pure) ------------------------------------ */

/*
 * Limits of the capsule's data file (DESIGN.md "The capsule and the
 * generated index"): a hand-kept table, kept small enough that every page
 * is generated at start-up in well under a second.
 */
#define INDEX_ROWS_MAX		1000	/* records */
#define INDEX_COLS_MAX		32	/* columns, "#show" lines */
#define INDEX_FACETS_MAX	8	/* "#facet" lines */
#define INDEX_CELL_MAX		512	/* bytes of a cell or directive field */
#define INDEX_VALUES_MAX	1000	/* distinct values of one facet */
/* Bytes of a facet's directory name, [a-z0-9-]. */
#define INDEX_DIR_MAX		64
/* Bytes of a slug before any "-N" that tells equal slugs apart. */
#define INDEX_SLUG_MAX		64
/* Room for a slug with its "-N" (N at most 20 digits) and NUL. */
#define INDEX_SLUG_SIZE		(INDEX_SLUG_MAX + 22)
/* "/DIR/SLUG-N.gmi" and NUL: 1 + 64 + 1 + 85 + 4 + 1 bytes, well under
 * a Gopher selector's GOPHER_SELECTOR_MAX. */
#define INDEX_PATH_MAX		160
/* A page title: a "#value-title" format with a value in it, and NUL. */
#define INDEX_TITLE_MAX		(2 * INDEX_CELL_MAX + 1)
/* All generated gemtext together: bounds memory on a hostile file. */
#define INDEX_OUTPUT_MAX	(16 * 1024 * 1024)

/* The directives that hold one text each. */
enum index_text {
	INDEX_VALUE_TITLE = 0,	/* "#value-title": value page title, %s */
	INDEX_VALUE_INTRO,	/* "#value-intro": sentence under it, %s */
	INDEX_INDEX_INTRO,	/* "#index-intro": sentence under an index */
	INDEX_GROUP_EMPTY,	/* "#group-empty": heading of empty groups */
	INDEX_HEADING,		/* "#heading": column that heads a record */
	INDEX_HOME,		/* "#home": link text of the home page */
	INDEX_TEXT_N,		/* how many there are */
};

/* One value of a facet and the records that have it. */
struct index_value {
	char		*text;		/* the value, trimmed, malloc'd */
	size_t		 len;		/* bytes of text */
	char		 slug[INDEX_SLUG_SIZE];	/* page file name, no ".gmi" */
	size_t		*rows;		/* records having it, in file order */
	size_t		 nrows;		/* entries in rows */
	size_t		 cap;		/* room in rows */
};

/* One "#facet" directive and the values found in its column. */
struct index_facet {
	const char	*name;		/* column of values */
	const char	*group_name;	/* column of groups, NULL for none */
	const char	*dir;		/* directory of its pages */
	const char	*title;		/* title of its index page */
	size_t		 col;		/* column of values, resolved */
	size_t		 group;		/* column of groups, resolved */
	int		 is_multi;	/* a cell holds values split by ';' */
	size_t		 line;		/* where it was declared */
	struct index_value *values;	/* in order of first appearance */
	size_t		 nvalues;	/* entries in values */
	size_t		 cap;		/* room in values */
};

/* One "#show" directive: a column printed in each record's block. */
struct index_show {
	const char	*name;		/* column shown */
	const char	*label;		/* "LABEL: cell"; "" for bare cells */
	size_t		 col;		/* resolved column */
	size_t		 line;		/* where it was declared */
};

/* The data file as index.c reads it and sitemap.c renders it; every
 * string points into a private copy of the file. */
struct index_table {
	const char	*name;		/* file name for messages */
	char		*copy;		/* the file, split in place */
	char		*head[INDEX_COLS_MAX];	/* column names */
	size_t		 ncols;		/* columns, 0 before the header */
	char		**cells;	/* row r, column c: [r * ncols + c],
					   room for INDEX_ROWS_MAX rows */
	size_t		*lines;		/* line of each row */
	size_t		 nrows;		/* rows read */
	struct index_facet facets[INDEX_FACETS_MAX];	/* "#facet" lines */
	size_t		 nfacets;	/* entries in facets */
	struct index_show shows[INDEX_COLS_MAX];	/* "#show" lines */
	size_t		 nshows;	/* entries in shows */
	const char	*text[INDEX_TEXT_N];	/* directive texts or NULL */
	size_t		 text_line[INDEX_TEXT_N];	/* and their lines */
	size_t		 heading;	/* column heading each record */
	size_t		 line;		/* line being read */
	char		*err;		/* where messages go */
	size_t		 errsz;		/* bytes of err */
};

/* One generated page. */
struct index_page {
	char	 path[INDEX_PATH_MAX];	/* "/DIR/" or "/DIR/SLUG.gmi" */
	char	 title[INDEX_TITLE_MAX];	/* its "# " line without "# " */
	char	*body;			/* gemtext, malloc'd */
	size_t	 len;			/* bytes of body */
	size_t	 facet;			/* its facet, in file order */
	int	 is_index;		/* the facet's index page */
	size_t	 count;			/* records listed (value page) or
					   links to values (index page) */
};

/* Every page generated from one data file. */
struct index_site {
	struct index_page *pages;	/* sorted by path */
	size_t	 npages;		/* entries in pages */
	size_t	 nrows;			/* records in the file */
	size_t	 nfacets;		/* facets declared */
	size_t	 nvalues[INDEX_FACETS_MAX];	/* value pages per facet */
	char	 home[INDEX_CELL_MAX + 1];	/* link text for "/" */
};

/* One entry of a site map. */
struct sitemap_link {
	const char	*path;		/* "/about.gmi", decoded */
	const char	*title;		/* link text; "" or NULL: the path */
};

/* A site map page to render. */
struct sitemap {
	const char	*title;		/* its "# " title */
	const char	*intro;		/* sentence under it, NULL for none */
	const char	*home;		/* link text for "/", NULL: "Home" */
	const struct sitemap_link *links;	/* every page, any order */
	size_t		 nlinks;	/* entries in links */
};

/*
 * Reads len bytes of a data file (name is used in messages) and renders
 * every facet's pages. 0, or -1 with "name:line: why" in err.
 */
int	index_build(const char *name, const char *tsv, size_t len,
	    struct index_site *, char *err, size_t errsz);
void	index_free(struct index_site *);
/* The page at path; "/DIR/index.gmi" also finds "/DIR/". NULL if none. */
const struct index_page *index_find(const struct index_site *,
	    const char *path);
/*
 * Names every value of t's facets and renders the pages into site:
 * 0, or -1 with errno ENOMEM, or EFBIG past INDEX_OUTPUT_MAX.
 */
int	sitemap_build(struct index_table *t, struct index_site *site);
/*
 * Writes the slug of a value: ASCII letters (Latin accents dropped from
 * them) and digits lower-cased, every other run of bytes one '-', none at
 * either end, at most INDEX_SLUG_MAX bytes. Returns its length, maybe 0.
 */
size_t	sitemap_slug(const char *value, char *dst, size_t dstsz);
/* A site map: title, intro, one link per page sorted by path, then "Up"
 * and "Home" links. Malloc'd gemtext, NULL on failure. */
char	*sitemap_page(const struct sitemap *, size_t *lenp);
/* Copies the first level-1 heading of gemtext, trimmed, to dst (cut at a
 * character boundary); "" if there is none. */
void	sitemap_title(const char *gmi, size_t len, char *dst, size_t dstsz);

/* ---- search.c (pure) ------------------------------------------------- */

/* Most bytes of a decoded query: a few words, well under a request line. */
#define SEARCH_QUERY_MAX	256
/* Most distinct words in a query: every one must match (AND). */
#define SEARCH_TERMS_MAX	8
/* Most bytes of one folded word. */
#define SEARCH_TERM_MAX		64
/* Most results listed on one page. */
#define SEARCH_RESULTS_MAX	20
/* Columns of an excerpt line, "..." included; columns are code points
 * (an excerpt is a hint, and clients wrap lines anyway). */
#define SEARCH_EXCERPT_COLS	80
/* Columns of the query echoed in the results page's heading. */
#define SEARCH_SHOWN_COLS	60
/* Bytes for that echo: four per code point (RFC 3629) and a NUL. */
#define SEARCH_SHOWN_MAX	(SEARCH_SHOWN_COLS * 4 + 1)

/* One page to search; the caller owns the memory, nothing is modified. */
struct search_doc {
	const char	*path;		/* decoded "/a/b.gmi", never NULL;
					   percent-encoded in links */
	const char	*title;		/* its title; NULL or "" for none */
	const char	*text;		/* the page's gemtext */
	size_t		 len;		/* bytes of text */
};

/* A parsed query. */
struct search_query {
	/* The folded words: distinct, never empty, no spaces. */
	char	 terms[SEARCH_TERMS_MAX][SEARCH_TERM_MAX + 1];
	size_t	 nterms;		/* entries in terms, >= 1 */
	char	 shown[SEARCH_SHOWN_MAX];	/* the query as typed, for
					   display: no controls, cut */
};

/*
 * Parses a decoded query (UTF-8 text typed by the user). 0, or -1 with a
 * short reason in err: "query too long", "not UTF-8", "word too long",
 * "too many words", "empty query".
 */
int	search_parse(const char *q, size_t len, struct search_query *,
	    char *err, size_t errsz);
/*
 * Folds text for matching: lower case, Latin-1 Supplement and Latin
 * Extended-A letters to their base letters (ß ss, æ ae, œ oe, þ th, ĳ ij),
 * combining accents U+0300-U+036F dropped, other ASCII, Latin-1 symbols,
 * controls and bytes that are not UTF-8 made spaces; any other code point
 * is kept. Never longer than src. Returns the folded length; dst is
 * NUL-terminated, cut to dstsz - 1 bytes between code points.
 */
size_t	search_fold(char *dst, size_t dstsz, const char *src, size_t len);
/*
 * Runs q over docs: a page matches when each word starts a word of its
 * folded title or text. Score: 100 per word in the title, 1 per
 * occurrence in the text (50 at most per word); best first, then by path.
 * Returns the malloc'd gemtext results page (at most SEARCH_RESULTS_MAX
 * links, each with an excerpt; links back to search_path and "/") and
 * its length in *lenp; NULL if memory ran out.
 */
char	*search_run(const struct search_doc *docs, size_t n,
	    const struct search_query *q, const char *search_path,
	    size_t *lenp);

#endif /* CAPSULED_RENDER_H */
