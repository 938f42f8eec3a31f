package standin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// This file evaluates DynamoDB condition expressions: the subset that a
// lock needs and that is unambiguous to reproduce. Supported: comparisons
// with = < <= > >= between attribute names (plain or #placeholders) and
// :values, attribute_exists and attribute_not_exists, AND, OR, NOT and
// parentheses, with DynamoDB's precedence (NOT, then AND, then OR).
// Everything else of the grammar (<>, BETWEEN, IN, the other functions,
// nested paths) is answered with a ValidationException that says the
// stand-in lacks it, rather than evaluated by a guess that could let a
// rehearsal pass where AWS would refuse.

// ddbValidation is a request DynamoDB would refuse with a
// ValidationException; its text is the message the client sees, worded
// like DynamoDB's where DynamoDB has one (hence capitalized).
type ddbValidation string

func (e ddbValidation) Error() string { return string(e) }

func ddbInvalidf(format string, args ...any) error {
	return ddbValidation(fmt.Sprintf(format, args...))
}

// ddbCond is a parsed condition.
type ddbCond interface {
	eval(item ddbItem) bool
}

// ddbOperand is one side of a comparison: an attribute of the item or a
// value from ExpressionAttributeValues.
type ddbOperand struct {
	attr  string          // attribute name, placeholders resolved
	value json.RawMessage // set for a :value
}

func (o ddbOperand) resolve(item ddbItem) (json.RawMessage, bool) {
	if o.value != nil {
		return o.value, true
	}
	v, ok := item[o.attr]
	return v, ok
}

type ddbOr struct{ l, r ddbCond }

func (c ddbOr) eval(item ddbItem) bool { return c.l.eval(item) || c.r.eval(item) }

type ddbAnd struct{ l, r ddbCond }

func (c ddbAnd) eval(item ddbItem) bool { return c.l.eval(item) && c.r.eval(item) }

type ddbNot struct{ c ddbCond }

func (c ddbNot) eval(item ddbItem) bool { return !c.c.eval(item) }

type ddbExists struct {
	attr string
	want bool // attribute_exists when true, attribute_not_exists when false
}

func (c ddbExists) eval(item ddbItem) bool {
	_, ok := item[c.attr]
	return ok == c.want
}

type ddbCompare struct {
	op   string
	l, r ddbOperand
}

// eval follows DynamoDB: a comparison involving a missing attribute, or
// values of different types, is false rather than an error.
func (c ddbCompare) eval(item ddbItem) bool {
	l, ok := c.l.resolve(item)
	if !ok {
		return false
	}
	r, ok := c.r.resolve(item)
	if !ok {
		return false
	}
	cmp, ok := ddbCompareValues(l, r, c.op == "=")
	if !ok {
		return false
	}
	switch c.op {
	case "=":
		return cmp == 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return false
}

// ddbCompareValues orders two AttributeValues of the same scalar type: N
// numerically, S and B by their bytes (as DynamoDB does). When equality is
// all that is asked, other types of the same tag compare by their
// canonical JSON. ok is false for values that cannot be compared.
func ddbCompareValues(a, b json.RawMessage, equalityOnly bool) (cmp int, ok bool) {
	at, av, err := ddbScalar(a)
	if err != nil {
		return 0, false
	}
	bt, bv, err := ddbScalar(b)
	if err != nil || at != bt {
		return 0, false
	}
	switch at {
	case "N":
		x, okx := new(big.Rat).SetString(av)
		y, oky := new(big.Rat).SetString(bv)
		if !okx || !oky {
			return 0, false
		}
		return x.Cmp(y), true
	case "S":
		return strings.Compare(av, bv), true
	case "B":
		x, errx := base64.StdEncoding.DecodeString(av)
		y, erry := base64.StdEncoding.DecodeString(bv)
		if errx != nil || erry != nil {
			return 0, false
		}
		return bytes.Compare(x, y), true
	}
	if !equalityOnly {
		return 0, false
	}
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return 0, false
	}
	if bytes.Equal(x.Bytes(), y.Bytes()) {
		return 0, true
	}
	return 1, true
}

// ddbTypes are the AttributeValue type tags.
var ddbTypes = []string{"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}

// ddbNumber is DynamoDB's number syntax; big.Rat alone would also accept
// fractions such as "1/2".
var ddbNumber = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// ddbScalar checks that raw is one AttributeValue ({"<type>": ...}) and
// returns its type tag and, for S, N and B, its string.
func ddbScalar(raw json.RawMessage) (typ, value string, err error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || len(m) != 1 {
		return "", "", ddbInvalidf("an AttributeValue must be an object with exactly one type key, got %s", string(raw))
	}
	for k, v := range m {
		typ = k
		switch k {
		case "S", "N", "B":
			if err := json.Unmarshal(v, &value); err != nil {
				return "", "", ddbInvalidf("AttributeValue %s must be a string, got %s", k, string(v))
			}
			if k == "N" && !ddbNumber.MatchString(value) {
				return "", "", ddbInvalidf("the parameter cannot be converted to a numeric value: %s", value)
			}
			if k == "B" {
				if _, err := base64.StdEncoding.DecodeString(value); err != nil {
					return "", "", ddbInvalidf("AttributeValue B is not base64: %s", err)
				}
			}
		default:
			if !slices.Contains(ddbTypes, k) {
				return "", "", ddbInvalidf("unknown AttributeValue type %q", k)
			}
		}
	}
	return typ, value, nil
}

// ddbParser parses one condition expression, resolving placeholders and
// recording which were used: DynamoDB rejects unused ones too, and a
// stand-in that allowed them would hide a typo in the caller.
type ddbParser struct {
	toks   []string
	pos    int
	names  map[string]string
	values map[string]json.RawMessage
	used   map[string]bool
}

// ddbToken splits an expression: placeholders, names, numbers,
// comparators, parentheses and commas.
var ddbToken = regexp.MustCompile(`\s*([#:]?[A-Za-z0-9_]+|<>|<=|>=|[=<>(),.\[\]]|\S)`)

// parseDDBCondition parses expr with its placeholders. Unused or undefined
// placeholders and unsupported grammar are errors, worded like DynamoDB's
// ValidationException messages where it has one.
func parseDDBCondition(expr string, names map[string]string, values map[string]json.RawMessage) (ddbCond, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, ddbInvalidf("Invalid ConditionExpression: The expression can not be empty;")
	}
	p := &ddbParser{names: names, values: values, used: map[string]bool{}}
	for _, m := range ddbToken.FindAllStringSubmatch(expr, -1) {
		p.toks = append(p.toks, m[1])
	}
	c, err := p.or()
	if err != nil {
		return nil, ddbInvalidf("Invalid ConditionExpression: %s", err)
	}
	if p.pos < len(p.toks) {
		return nil, ddbInvalidf("Invalid ConditionExpression: Syntax error; token: %q", p.toks[p.pos])
	}
	if err := ddbUnused("ExpressionAttributeNames", names, p.used); err != nil {
		return nil, err
	}
	if err := ddbUnused("ExpressionAttributeValues", values, p.used); err != nil {
		return nil, err
	}
	return c, nil
}

func ddbUnused[V any](what string, m map[string]V, used map[string]bool) error {
	var unused []string
	for k := range m {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) == 0 {
		return nil
	}
	sort.Strings(unused)
	return ddbInvalidf("Value provided in %s unused in expressions: keys: {%s}", what, strings.Join(unused, ", "))
}

func (p *ddbParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *ddbParser) next() string {
	t := p.peek()
	if t != "" {
		p.pos++
	}
	return t
}

func (p *ddbParser) expect(tok string) error {
	if got := p.next(); got != tok {
		if got == "" {
			return ddbInvalidf("Syntax error; token: <EOF>, expected %q", tok)
		}
		return ddbInvalidf("Syntax error; token: %q, expected %q", got, tok)
	}
	return nil
}

func (p *ddbParser) or() (ddbCond, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(p.peek(), "OR") {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = ddbOr{l, r}
	}
	return l, nil
}

func (p *ddbParser) and() (ddbCond, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(p.peek(), "AND") {
		p.next()
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = ddbAnd{l, r}
	}
	return l, nil
}

func (p *ddbParser) not() (ddbCond, error) {
	if strings.EqualFold(p.peek(), "NOT") {
		p.next()
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		return ddbNot{c}, nil
	}
	return p.primary()
}

func (p *ddbParser) primary() (ddbCond, error) {
	if p.peek() == "(" {
		p.next()
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		return c, p.expect(")")
	}
	if p.pos+1 < len(p.toks) && p.toks[p.pos+1] == "(" {
		fn := p.next()
		p.next()
		var want bool
		switch fn {
		case "attribute_exists":
			want = true
		case "attribute_not_exists":
			want = false
		default:
			return nil, ddbInvalidf("the stand-in does not implement function %q (only attribute_exists and attribute_not_exists)", fn)
		}
		arg, err := p.operand()
		if err != nil {
			return nil, err
		}
		if arg.value != nil {
			return nil, ddbInvalidf("Incorrect operand type for operator or function; operator or function: %s, operand type: a value", fn)
		}
		return ddbExists{attr: arg.attr, want: want}, p.expect(")")
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	op := p.next()
	switch op {
	case "=", "<", "<=", ">", ">=":
	case "<>":
		// DynamoDB's treatment of <> with a missing attribute is not
		// something the lock needs, so it is refused rather than guessed.
		return nil, ddbInvalidf("the stand-in does not implement operator <>")
	case "":
		return nil, ddbInvalidf("Syntax error; token: <EOF>, expected a comparator")
	default:
		if strings.EqualFold(op, "BETWEEN") || strings.EqualFold(op, "IN") {
			return nil, ddbInvalidf("the stand-in does not implement operator %s", strings.ToUpper(op))
		}
		return nil, ddbInvalidf("Syntax error; token: %q, expected a comparator", op)
	}
	r, err := p.operand()
	if err != nil {
		return nil, err
	}
	return ddbCompare{op: op, l: l, r: r}, nil
}

// ddbName is a bare attribute name in an expression.
var ddbName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ddbKeywords may not stand where an operand is expected.
var ddbKeywords = map[string]bool{"AND": true, "OR": true, "NOT": true, "BETWEEN": true, "IN": true}

func (p *ddbParser) operand() (ddbOperand, error) {
	tok := p.next()
	var o ddbOperand
	switch {
	case tok == "":
		return o, ddbInvalidf("Syntax error; token: <EOF>, expected an operand")
	case strings.HasPrefix(tok, ":"):
		v, ok := p.values[tok]
		if !ok {
			return o, ddbInvalidf("An expression attribute value used in expression is not defined; attribute value: %s", tok)
		}
		p.used[tok] = true
		o.value = v
	case strings.HasPrefix(tok, "#"):
		name, ok := p.names[tok]
		if !ok {
			return o, ddbInvalidf("An expression attribute name used in the document path is not defined; attribute name: %s", tok)
		}
		p.used[tok] = true
		o.attr = name
	case ddbKeywords[strings.ToUpper(tok)] || !ddbName.MatchString(tok):
		return o, ddbInvalidf("Syntax error; token: %q, expected an operand", tok)
	default:
		o.attr = tok
	}
	if t := p.peek(); t == "." || t == "[" {
		return o, ddbInvalidf("the stand-in does not implement nested document paths (%s%s...)", tok, t)
	}
	return o, nil
}
