// Package schemagen writes the JSON Schema of the STSCredentials config from
// the source of api/v1alpha1: the Go types give the structure, their json
// tags the names, their comments the descriptions, and "+enum: a, b" comment
// lines the allowed values. Generating from source (not from reflection)
// is what lets the descriptions be the doc comments themselves.
package schemagen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Schema is one JSON Schema node; fields are written in this order.
type Schema struct {
	SchemaURI            string             `json:"$schema,omitempty"`
	ID                   string             `json:"$id,omitempty"`
	Title                string             `json:"title,omitempty"`
	Description          string             `json:"description,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Enum                 []string           `json:"enum,omitempty"`
	Const                string             `json:"const,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties any                `json:"additionalProperties,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`
}

// Generate reads the package in dir and returns the schema of root, as
// indented JSON with a trailing newline.
func Generate(dir, root string, required map[string][]string) ([]byte, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	types := map[string]*ast.StructType{}
	docs := map[string]string{}
	stringForms := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		file, err := parser.ParseFile(fset, f, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if st, ok := ts.Type.(*ast.StructType); ok {
					types[ts.Name.Name] = st
					docs[ts.Name.Name], _ = describe(gd.Doc)
					stringForms[ts.Name.Name] = gd.Doc != nil && strings.Contains(gd.Doc.Text(), "+stringForm:")
				}
			}
		}
	}
	g := &generator{types: types, docs: docs, stringForms: stringForms, required: required}
	s, err := g.object(root, root)
	if err != nil {
		return nil, err
	}
	s.SchemaURI = "https://json-schema.org/draft/2020-12/schema"
	s.ID = "https://stsrender.dev/schemas/v1alpha1/stscredentials.json"
	s.Title = "stsrender.dev/v1alpha1 STSCredentials"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type generator struct {
	types       map[string]*ast.StructType
	docs        map[string]string
	stringForms map[string]bool // types that also take a plain string ("+stringForm:")
	required    map[string][]string
}

func (g *generator) object(name, path string) (*Schema, error) {
	st, ok := g.types[name]
	if !ok {
		return nil, fmt.Errorf("%s: no struct type %s in the package", path, name)
	}
	s := &Schema{Type: "object", Description: g.docs[name], Properties: map[string]*Schema{}, AdditionalProperties: false}
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 || !f.Names[0].IsExported() || f.Tag == nil {
			continue
		}
		tag := reflectTag(f.Tag.Value, "json")
		jsonName, opts, _ := strings.Cut(tag, ",")
		if jsonName == "" || jsonName == "-" {
			continue
		}
		doc, enum := describe(f.Doc)
		if doc == "" {
			return nil, fmt.Errorf("%s.%s: no doc comment: every field of the config is documented", path, jsonName)
		}
		child, err := g.schemaOf(f.Type, path+"."+jsonName)
		if err != nil {
			return nil, err
		}
		child.Description = doc
		switch {
		case len(enum) > 0 && child.Type == "array":
			child.Items.Enum = enum
		case len(enum) > 0:
			child.Enum = enum
		}
		s.Properties[jsonName] = child
		_ = opts
	}
	s.Required = g.required[path]
	return s, nil
}

func (g *generator) schemaOf(expr ast.Expr, path string) (*Schema, error) {
	switch t := expr.(type) {
	case *ast.StarExpr:
		return g.schemaOf(t.X, path)
	case *ast.Ident:
		switch t.Name {
		case "string":
			return &Schema{Type: "string"}, nil
		case "bool":
			return &Schema{Type: "boolean"}, nil
		case "int", "int64":
			return &Schema{Type: "integer"}, nil
		}
		obj, err := g.object(t.Name, path)
		if err != nil || !g.stringForms[t.Name] {
			return obj, err
		}
		return &Schema{AnyOf: []*Schema{{Type: "string"}, obj}}, nil
	case *ast.ArrayType:
		items, err := g.schemaOf(t.Elt, path+"[]")
		if err != nil {
			return nil, err
		}
		return &Schema{Type: "array", Items: items}, nil
	case *ast.MapType:
		if v, ok := t.Value.(*ast.InterfaceType); ok && v != nil {
			return &Schema{Type: "object"}, nil
		}
		if id, ok := t.Value.(*ast.Ident); ok && id.Name == "any" {
			return &Schema{Type: "object"}, nil
		}
		values, err := g.schemaOf(t.Value, path+"{}")
		if err != nil {
			return nil, err
		}
		return &Schema{Type: "object", AdditionalProperties: values}, nil
	}
	return nil, fmt.Errorf("%s: unsupported type %T", path, expr)
}

// describe joins a comment into one description and pulls out "+enum:".
func describe(cg *ast.CommentGroup) (string, []string) {
	if cg == nil {
		return "", nil
	}
	var lines []string
	var enum []string
	for _, l := range strings.Split(strings.TrimSpace(cg.Text()), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "+stringForm:") {
			continue
		}
		if v, ok := strings.CutPrefix(l, "+enum:"); ok {
			for _, e := range strings.Split(v, ",") {
				enum = append(enum, strings.TrimSpace(e))
			}
			continue
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, " "), enum
}

func reflectTag(raw, key string) string {
	raw = strings.Trim(raw, "`")
	for _, part := range strings.Fields(raw) {
		if k, v, ok := strings.Cut(part, ":"); ok && k == key {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// Paths lists every property path of a schema ("spec.aws.region"), sorted,
// for comparing the schema with the config reference, docs/config.md.
func Paths(schemaJSON []byte) ([]string, error) {
	var s Schema
	if err := json.Unmarshal(schemaJSON, &s); err != nil {
		return nil, err
	}
	var out []string
	var walk func(prefix string, s *Schema)
	walk = func(prefix string, s *Schema) {
		for name, child := range s.Properties {
			p := name
			if prefix != "" {
				p = prefix + "." + name
			}
			out = append(out, p)
			walk(p, child)
		}
	}
	walk("", &s)
	sort.Strings(out)
	return out, nil
}
