package web

import (
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"

	"github.com/glomers/glomers/internal/report/timeline"
)

var (
	// opRef is how the explanation names an op: "op 42".
	opRef = regexp.MustCompile(`\bop (\d+)\b`)
	// fileLink is a Markdown link to a file of the run folder.
	fileLink = regexp.MustCompile(`\[([^\]]+)\]\(([A-Za-z0-9._-]+)\)`)
)

// renderExplanation turns explanation.md into HTML: headings, paragraphs
// and lists as written, each "op N" a link to its place in the timeline,
// and links to files of the run folder (base is the folder's URL).
func renderExplanation(md, base string, linkOps bool) template.HTML {
	var b strings.Builder
	inList, inItem := false, false
	closeItem := func() {
		if inItem {
			b.WriteString("</li>\n")
			inItem = false
		}
	}
	closeList := func() {
		closeItem()
		if inList {
			b.WriteString("</ul>\n")
			inList = false
		}
	}
	inline := func(s string) string {
		s = template.HTMLEscapeString(s)
		s = fileLink.ReplaceAllString(s, `<a href="`+base+`$2">$1</a>`)
		if linkOps {
			s = opRef.ReplaceAllStringFunc(s, func(m string) string {
				n, err := strconv.Atoi(opRef.FindStringSubmatch(m)[1])
				if err != nil || n >= timeline.MaxOps { // past what the timeline draws
					return m
				}
				return fmt.Sprintf(`<a class="op" href="%stimeline.html#op-%d">op %d</a>`, base, n, n)
			})
		}
		return s
	}
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			closeList()
			b.WriteString("<h3>" + inline(line[2:]) + "</h3>\n")
		case strings.HasPrefix(line, "## "):
			closeList()
			b.WriteString("<h3>" + inline(line[3:]) + "</h3>\n")
		case strings.HasPrefix(line, "- "):
			closeItem()
			if !inList {
				b.WriteString("<ul>\n")
				inList = true
			}
			b.WriteString("<li>" + inline(line[2:]))
			inItem = true
		case strings.HasPrefix(line, "  ") && inItem:
			b.WriteString("<br>" + inline(strings.TrimSpace(line)))
		case strings.TrimSpace(line) == "":
			closeList()
		default:
			closeList()
			b.WriteString("<p>" + inline(line) + "</p>\n")
		}
	}
	closeList()
	return template.HTML(b.String()) // #nosec: every piece of text went through HTMLEscapeString
}
