package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// Source says where a document came from, for error messages and reports.
type Source struct {
	// File is the file name (or another label such as "resource stream").
	File string
	// Index is the 0-based position of the document in its file.
	Index int
	// Item is the 0-based position inside a "kind: List" document, or -1.
	Item int
}

func (s Source) String() string {
	if s.Item >= 0 {
		return fmt.Sprintf("%s: document %d, item %d", s.File, s.Index+1, s.Item+1)
	}
	return fmt.Sprintf("%s: document %d", s.File, s.Index+1)
}

// Document is one Kubernetes-style object decoded from YAML or JSON, with the
// metadata the inclusion rules and the parser look at.
type Document struct {
	Source      Source
	APIVersion  string
	Kind        string
	Name        string
	Namespace   string
	Annotations map[string]string
	// Node is the document as parsed, for writing it back as it was written
	// (EncodeDocument); nil for documents built in code.
	Node *yaml.Node
	// Object is the whole document as JSON-compatible values: maps with string
	// keys, slices, strings, bools, int64, json.Number (numbers kept as
	// written), float64 and nil.
	Object map[string]any
}

// ID names the document the way error messages do: "Kind namespace/name".
func (d Document) ID() string {
	if d.Namespace != "" {
		return fmt.Sprintf("%s %s/%s", d.Kind, d.Namespace, d.Name)
	}
	return fmt.Sprintf("%s %s", d.Kind, d.Name)
}

// ParseDocuments decodes a multi-document YAML (or JSON) stream. Empty and
// comment-only documents are skipped, and the items of a "kind: List"
// document are returned as documents of their own. Values keep their
// literal form (see nodeValue) and duplicate keys are errors.
func ParseDocuments(file string, data []byte) ([]Document, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []Document
	for index := 0; ; index++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		src := Source{File: file, Index: index, Item: -1}
		if err != nil {
			return nil, fmt.Errorf("%s: invalid YAML: %w", src, err)
		}
		found, err := documentsFromNode(src, &node)
		if err != nil {
			return nil, err
		}
		docs = append(docs, found...)
	}
}

// ParseDocumentNode reads one YAML document already parsed (an item of a
// KRM resource stream), without encoding and parsing it again. index is
// the item's position, for messages.
func ParseDocumentNode(file string, index int, node *yaml.Node) ([]Document, error) {
	if node.Kind != yaml.DocumentNode {
		node = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{node}}
	}
	return documentsFromNode(Source{File: file, Index: index, Item: -1}, node)
}

func documentsFromNode(src Source, node *yaml.Node) ([]Document, error) {
	budget := maxNodes
	value, err := nodeValue(node, "", &budget)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	if value == nil {
		return nil, nil
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: expected a YAML mapping (an object), found %s", src, typeName(value))
	}
	root := node.Content[0]
	if obj["kind"] == "List" {
		return listItems(src, obj, listItemNodes(root))
	}
	doc, err := newDocument(src, obj)
	if err != nil {
		return nil, err
	}
	doc.Node = root
	return []Document{doc}, nil
}

// listItemNodes returns the nodes of a List's items, index-aligned with
// the decoded items.
func listItemNodes(root *yaml.Node) []*yaml.Node {
	for root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "items" {
			seq := root.Content[i+1]
			for seq.Kind == yaml.AliasNode {
				seq = seq.Alias
			}
			return seq.Content
		}
	}
	return nil
}

// EncodeDocument writes a parsed document back as YAML as it was written:
// values keep their literal text (a big integer stays exact), which a
// round trip through JSON would not guarantee.
func EncodeDocument(w io.Writer, d Document) error {
	if d.Node == nil {
		return fmt.Errorf("%s: no parsed form to write", d.Source)
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(d.Node); err != nil {
		return err
	}
	return enc.Close()
}

func listItems(src Source, list map[string]any, nodes []*yaml.Node) ([]Document, error) {
	items, ok := list["items"].([]any)
	if !ok && list["items"] != nil {
		return nil, fmt.Errorf("%s: items: expected a list", src)
	}
	docs := make([]Document, 0, len(items))
	for i, item := range items {
		itemSrc := src
		itemSrc.Item = i
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: expected an object", itemSrc)
		}
		doc, err := newDocument(itemSrc, obj)
		if err != nil {
			return nil, err
		}
		if i < len(nodes) {
			doc.Node = nodes[i]
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

func newDocument(src Source, obj map[string]any) (Document, error) {
	doc := Document{Source: src, Object: obj}
	var err error
	if doc.APIVersion, err = stringField(obj, "apiVersion"); err != nil {
		return Document{}, fmt.Errorf("%s: %w", src, err)
	}
	if doc.Kind, err = stringField(obj, "kind"); err != nil {
		return Document{}, fmt.Errorf("%s: %w", src, err)
	}
	if doc.Kind == "" {
		return Document{}, fmt.Errorf("%s: kind: missing; every document must name its kind", src)
	}
	meta, ok := obj["metadata"].(map[string]any)
	if !ok && obj["metadata"] != nil {
		return Document{}, fmt.Errorf("%s: metadata: expected an object", src)
	}
	if doc.Name, err = stringField(meta, "name"); err != nil {
		return Document{}, fmt.Errorf("%s: metadata.%w", src, err)
	}
	if doc.Namespace, err = stringField(meta, "namespace"); err != nil {
		return Document{}, fmt.Errorf("%s: metadata.%w", src, err)
	}
	annotations, ok := meta["annotations"].(map[string]any)
	if !ok && meta["annotations"] != nil {
		return Document{}, fmt.Errorf("%s: metadata.annotations: expected a map of strings", src)
	}
	if len(annotations) > 0 {
		doc.Annotations = make(map[string]string, len(annotations))
		for k, v := range annotations {
			s, ok := v.(string)
			if !ok {
				return Document{}, fmt.Errorf("%s (%s): metadata.annotations[%s]: expected a string, found %s (quote the value)", src, doc.ID(), k, typeName(v))
			}
			doc.Annotations[k] = s
		}
	}
	return doc, nil
}

func stringField(obj map[string]any, key string) (string, error) {
	v, ok := obj[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: expected a string, found %s", key, typeName(v))
	}
	return s, nil
}

func trimDot(path string) string {
	if len(path) > 0 && path[0] == '.' {
		return path[1:]
	}
	return path
}
