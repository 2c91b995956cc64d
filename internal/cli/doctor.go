package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/awsapply"
	"github.com/stsrender/stsrender/doctor"
	"github.com/stsrender/stsrender/fsguard"
	"github.com/stsrender/stsrender/pipeline"
)

func newDoctorCommand(s Streams) *cobra.Command {
	var (
		configFile, tokenFile, secretFile, authFile, roleARN, output, caFile, region string
		resolve                                                                      []string
		assume, useAWS                                                               bool
		timeout, latency                                                             time.Duration
	)
	cmd := &cobra.Command{
		Use:   "doctor [-f CONFIG] [--token FILE] [--secret FILE] [--authentication FILE] [--role-arn ARN] [--assume]",
		Short: "Find out why a pod cannot assume its role (read-only)",
		Long: `doctor makes the checks an admin makes by hand when a pod or operator logs
InvalidIdentityToken ("Couldn't retrieve verification key", "Token issuer does
not match provider", "Incorrect token audience") or "Not authorized to perform
sts:AssumeRoleWithWebIdentity":

  issuer     the URL, and both documents over anonymous HTTPS within 5 s
             (certificate verified against the system roots)
  keys       RS256 RSA keys of 2048 bits or more, at most 100, every key of
             the config published, equal to the render (by kid)
  token      kid published, signature, iss, aud, exp and nbf, sub
  provider   exists for the issuer, client IDs openshift and
             sts.amazonaws.com, thumbprint if one is set
  role       exists, trusts the provider for AssumeRoleWithWebIdentity, its
             :sub (StringEquals, StringLike) and :aud conditions admit the
             token, the inline policy grants the CredentialsRequest, the
             managed policies are attached (ROSA HCP)
  secret     role_arn names the role, the token path, regional endpoints
  auth       the Authentication's serviceAccountIssuer is the issuer
  --assume   AssumeRoleWithWebIdentity with the token, unsigned, as a pod

With -f it checks the cluster's issuer and every role against what the config
renders; --token adds the token checks (the file a pod has at
/var/run/secrets/openshift/serviceaccount/token); --secret reads a credentials
Secret (YAML as oc get secret -o yaml prints it, or the credentials INI file)
and takes the role from it; --authentication reads the cluster's
Authentication. Without -f it needs --token (the issuer is its iss) and checks the
role --secret or --role-arn names; --region (default $AWS_REGION) is then where
IAM and STS are called, and --aws=false checks the issuer, token and files only.

Each line is pass, FAIL or skip (with why); a FAIL says which STS error a pod
sees and how to fix it. Exit status: 0 nothing failed, 1 something did. It is
read-only: stsrender permissions lists what it needs.`,
		Example: `  stsrender doctor -f cluster.yaml
  oc -n openshift-ingress-operator create token ingress-operator --audience openshift > token
  oc -n openshift-ingress-operator get secret cloud-credentials -o yaml > secret.yaml
  stsrender doctor -f cluster.yaml --token token --secret secret.yaml --assume`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			in := doctor.Inputs{RoleARN: roleARN, Assume: assume}
			if configFile != "" {
				cfg, err := loadConfigFile(configFile)
				if err != nil {
					return err
				}
				result, err := pipeline.Build(ctx, cfg, pipeline.Options{Fetch: fetcher(s)})
				if err != nil {
					return err
				}
				in.Model = result.Model
				region = result.Model.Region
			}
			if tokenFile != "" {
				data, err := fsguard.ReadRegular(tokenFile, 64<<10)
				if err != nil {
					return fmt.Errorf("--token: %w", err)
				}
				in.Token = strings.TrimSpace(string(data))
			}
			if secretFile != "" {
				data, err := fsguard.ReadRegular(secretFile, 1<<20)
				if err != nil {
					return fmt.Errorf("--secret: %w", err)
				}
				if in.Secret, err = doctor.ParseSecret(secretFile, data); err != nil {
					return fmt.Errorf("--secret: %w", err)
				}
			}
			if authFile != "" {
				data, err := fsguard.ReadRegular(authFile, 1<<20)
				if err != nil {
					return fmt.Errorf("--authentication: %w", err)
				}
				if in.Authentication, err = doctor.ParseAuthentication(authFile, data); err != nil {
					return fmt.Errorf("--authentication: %w", err)
				}
				in.AuthenticationSource = authFile
			}
			var ca []byte
			if caFile != "" {
				var err error
				if ca, err = fsguard.ReadRegular(caFile, 1<<20); err != nil {
					return fmt.Errorf("--ca-file: %w", err)
				}
			}
			client, err := doctor.NewIssuerClient(doctor.ClientOptions{CAPEM: ca, Resolve: resolve})
			if err != nil {
				return fmt.Errorf("--ca-file or --resolve: %w", err)
			}
			d := &doctor.Doctor{HTTP: client, LatencyThreshold: latency}
			if useAWS {
				if region == "" {
					region = os.Getenv("AWS_REGION")
				}
				if region == "" {
					region = "us-east-1"
				}
				clients, err := awsapply.NewClients(ctx, region, awsapply.ClientOptions{MaxAttempts: 3, Log: s.Err})
				if err != nil {
					return err
				}
				d.IAM, d.STS = clients.IAM, clients.STS
			}
			report := d.Run(ctx, in)
			if output == "json" {
				if err := report.WriteJSON(s.Out); err != nil {
					return err
				}
			} else {
				report.WriteText(s.Out)
			}
			if report.HasFailures() {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&configFile, "config", "f", "", "STSCredentials config: check the issuer and roles it renders")
	f.StringVar(&tokenFile, "token", "", "a service-account token (JWT) to check end to end")
	f.StringVar(&secretFile, "secret", "", "the credentials Secret (YAML) or its credentials file; the role is taken from it")
	f.StringVar(&authFile, "authentication", "", "the cluster's Authentication object (oc get authentication cluster -o yaml)")
	f.StringVar(&roleARN, "role-arn", "", "the role to check")
	f.BoolVar(&assume, "assume", false, "finally call STS AssumeRoleWithWebIdentity with the token, as a pod does")
	f.StringVarP(&output, "output", "o", "text", "text or json")
	f.DurationVar(&timeout, "timeout", 2*time.Minute, "give up after this long")
	f.DurationVar(&latency, "latency-threshold", 5*time.Second, "slowest issuer answer that passes (STS gives up after 5 s)")
	f.StringVar(&caFile, "ca-file", "", "also trust this PEM CA for the issuer (a private CA, or tests); SSL_CERT_FILE works too")
	f.StringArrayVar(&resolve, "resolve", nil, "HOST:PORT:ADDRESS: connect to ADDRESS for HOST:PORT, like curl --resolve")
	f.StringVar(&region, "region", "", "AWS region for IAM and STS without -f (default $AWS_REGION, else us-east-1)")
	f.BoolVar(&useAWS, "aws", true, "read IAM and call STS (--aws=false checks the issuer, token and files only)")
	return cmd
}
