package awsapply

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSamePolicy(t *testing.T) {
	base := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*","Condition":{"StringEquals":{"a:sub":["x","y"]},"Bool":{"k":true}}}]}`
	cases := map[string]struct {
		reason  string
		current string
		want    bool
	}{
		"identical":         {"the same bytes", base, true},
		"url-encoded":       {"IAM returns documents URL-encoded", url.PathEscape(base), true},
		"whitespace":        {"formatting carries no meaning", "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"s3:PutObject\"], \"Resource\": \"*\", \"Condition\": {\"StringEquals\": {\"a:sub\": [\"x\", \"y\"]}, \"Bool\": {\"k\": true}}}]}", true},
		"action order":      {"actions are a set", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"*","Condition":{"StringEquals":{"a:sub":["y","x"]},"Bool":{"k":true}}}]}`, true},
		"single statement":  {"a statement object equals a one-element list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["*"],"Condition":{"StringEquals":{"a:sub":["x","y"]},"Bool":{"k":[true]}}}}`, true},
		"extra action":      {"a broader policy differs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"*","Condition":{"StringEquals":{"a:sub":["x","y"]},"Bool":{"k":true}}}]}`, false},
		"boolean as string": {"IAM reads true and \"true\" differently", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*","Condition":{"StringEquals":{"a:sub":["x","y"]},"Bool":{"k":"true"}}}]}`, false},
		"other subject":     {"a changed service account differs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*","Condition":{"StringEquals":{"a:sub":["x","z"]},"Bool":{"k":true}}}]}`, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			same, err := samePolicy(tc.current, base)
			require.NoError(t, err)
			assert.Equal(t, tc.want, same, tc.reason)
		})
	}
	_, err := samePolicy("{not json", base)
	assert.Error(t, err)
}
