package sheet

// Text returns s as a text cell of an export: unchanged, unless it starts
// with a character that makes a spreadsheet program read the cell as a
// formula (=, +, -, @) or that some programs strip before reading it so
// (tab, carriage return); then it is prefixed with a single quote, which
// the program shows as text. Category and region names come from senders
// (cameras, ingest tokens, admins), so an export must not carry
// "=HYPERLINK(…)" as a live formula: OWASP's "CSV Injection" page gives
// these characters and the quote. Only text cells pass through Text:
// figures, which may be negative, are written as numbers.
func Text(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
