package iamref

import (
	"bytes"
	_ "embed"
	"regexp"
	"sort"
	"strings"
)

//go:embed catalogue.txt
var catalogueText []byte

// Access levels of the catalogue, as AWS's reference names them.
const (
	LevelList                  = "List"
	LevelRead                  = "Read"
	LevelWrite                 = "Write"
	LevelTagging               = "Tagging"
	LevelPermissionsManagement = "Permissions management"
)

var levelNames = map[byte]string{'L': LevelList, 'R': LevelRead, 'W': LevelWrite, 'T': LevelTagging, 'P': LevelPermissionsManagement}

// Catalogue is the embedded reference. Services are parsed when first
// asked for, so a render pays for the dozen it names, not for all 455.
type Catalogue struct {
	text     []byte
	services map[string]*Service
}

// Service is one service prefix's actions and condition keys.
type Service struct {
	Prefix, Name string
	// Actions maps lower-cased action names to their canonical name and
	// access level.
	Actions       map[string]Action
	conditionKeys []string
	patterns      map[string]*regexp.Regexp // compiled on first use
}

// Action is one action of a service.
type Action struct {
	Name, Level string
}

// New returns the embedded catalogue. Each caller gets its own (services
// parse lazily into it); none is shared package state.
func New() *Catalogue {
	return &Catalogue{text: catalogueText, services: map[string]*Service{}}
}

// Version is the dataset and version the catalogue was generated from.
func (c *Catalogue) Version() string {
	first, _, _ := bytes.Cut(c.text, []byte("\n"))
	name, _, _ := strings.Cut(strings.TrimPrefix(string(first), "# "), ":")
	return name
}

// Service returns the service of a prefix (case-insensitive), or false.
func (c *Catalogue) Service(prefix string) (*Service, bool) {
	prefix = strings.ToLower(prefix)
	if s, ok := c.services[prefix]; ok {
		return s, s != nil
	}
	s := c.parse(prefix)
	c.services[prefix] = s
	return s, s != nil
}

// block finds a service's lines by binary search over the text, which
// hack/iamdata writes sorted by prefix: a render names a dozen services, and
// a pass over all 595 KB to index them was most of a review's cost.
func (c *Catalogue) block(prefix string) ([]byte, bool) {
	marker := []byte("\n=")
	lo, hi := 0, len(c.text)
	for lo < hi {
		mid := lo + (hi-lo)/2
		i := bytes.Index(c.text[mid:], marker)
		if i < 0 {
			hi = mid
			continue
		}
		start := mid + i + 1
		block := c.text[start:]
		header, _, _ := bytes.Cut(block[1:], []byte(" "))
		switch cmp := strings.Compare(string(header), prefix); {
		case cmp < 0:
			lo = start
		case cmp > 0:
			hi = mid
		default:
			if next := bytes.Index(block, marker); next >= 0 {
				block = block[:next+1]
			}
			return block, true
		}
	}
	return nil, false
}

func (c *Catalogue) parse(prefix string) *Service {
	block, ok := c.block(prefix)
	if !ok {
		return nil
	}
	// One pass over one copy of the block, the action map sized from its
	// line count, names and keys sliced from that copy and its lower-case
	// twin (ASCII, so offsets agree): ec2's 700 actions made Split, a copy
	// per name and the map's growth most of a review's cost.
	text := strings.TrimSpace(string(block))
	lower := strings.ToLower(text)
	header, _, _ := strings.Cut(text, "\n")
	s := &Service{
		Prefix:   prefix,
		Name:     strings.TrimPrefix(header, "="+prefix+" "),
		Actions:  make(map[string]Action, strings.Count(text, "\n")),
		patterns: map[string]*regexp.Regexp{},
	}
	for at := len(header) + 1; at < len(text); {
		end := strings.IndexByte(text[at:], '\n')
		if end < 0 {
			end = len(text) - at
		}
		line, lowerLine := text[at:at+end], lower[at:at+end]
		at += end + 1
		if key, ok := strings.CutPrefix(line, "?"); ok {
			s.conditionKeys = append(s.conditionKeys, key)
			continue
		}
		name, code, _ := strings.Cut(line, " ")
		s.Actions[lowerLine[:len(name)]] = Action{Name: name, Level: levelNames[code[0]]}
	}
	return s
}

// keyPattern matches a condition key, case-insensitively, with its
// ${TagKey}-style variables standing for any text.
func keyPattern(key string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?i)^")
	for rest := key; rest != ""; {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		b.WriteString(regexp.QuoteMeta(rest[:i]))
		end := strings.Index(rest[i:], "}")
		if end < 0 {
			b.WriteString(regexp.QuoteMeta(rest[i:]))
			break
		}
		b.WriteString(".+")
		rest = rest[i+end+1:]
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// KnowsConditionKey reports whether key is one of the service's.
func (s *Service) KnowsConditionKey(key string) bool {
	for _, k := range s.conditionKeys {
		if !strings.Contains(k, "${") {
			if strings.EqualFold(k, key) {
				return true
			}
			continue
		}
		p, ok := s.patterns[k]
		if !ok {
			p = keyPattern(k)
			s.patterns[k] = p
		}
		if p.MatchString(key) {
			return true
		}
	}
	return false
}

// Match returns the actions an action pattern of this service names
// (case-insensitive; * and ? are wildcards), sorted by name.
func (s *Service) Match(pattern string) []Action {
	if !strings.ContainsAny(pattern, "*?") {
		if a, ok := s.Actions[strings.ToLower(pattern)]; ok {
			return []Action{a}
		}
		return nil
	}
	re := wildcard(pattern)
	var out []Action
	for k, a := range s.Actions {
		if re.MatchString(k) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func wildcard(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range strings.ToLower(pattern) {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
