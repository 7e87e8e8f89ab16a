import { fake } from './secret-samples.fixture.ts';

const HEX = '0123456789abcdef';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = `${UPPER}${LOWER}${DIGITS}`;
const URLSAFE = `${ALNUM}_-`;
const b = (seed: string, n: number, alphabet = ALNUM) => fake(seed, n, alphabet);

/**
 * Fake credentials in the published token formats of 63 providers, each on a line the way it would sit in
 * a config file. Built at run time from a hash, so no secret sits in the source and the repository scans
 * clean. `secret` is the part a scanner must report.
 */
export const PROVIDER_SAMPLES: readonly { provider: string; secret: string; line: (s: string) => string }[] =
  [
    {
      provider: 'AWS',
      secret: `AKIA${b('aws', 16, `${UPPER}234567`)}`,
      line: (s) => `aws_access_key_id = ${s}`,
    },
    { provider: 'GitHub PAT', secret: `ghp_${b('ghp', 36)}`, line: (s) => `GITHUB_TOKEN=${s}` },
    {
      provider: 'GitHub fine-grained PAT',
      secret: `github_pat_${b('ghf', 82, `${ALNUM}_`)}`,
      line: (s) => `token: ${s}`,
    },
    { provider: 'GitHub OAuth', secret: `gho_${b('gho', 36)}`, line: (s) => `oauth = "${s}"` },
    { provider: 'GitHub app', secret: `ghs_${b('ghs', 36)}`, line: (s) => `app_token: ${s}` },
    { provider: 'GitLab PAT', secret: `glpat-${b('glpat', 20)}`, line: (s) => `GITLAB_TOKEN=${s}` },
    {
      provider: 'GitLab pipeline trigger',
      secret: `glptt-${b('glptt', 40, HEX)}`,
      line: (s) => `trigger=${s}`,
    },
    {
      provider: 'Slack bot',
      secret: `xoxb-${b('s1', 11, DIGITS)}-${b('s2', 12, DIGITS)}-${b('s3', 24)}`,
      line: (s) => `SLACK_BOT_TOKEN=${s}`,
    },
    {
      provider: 'Slack webhook',
      secret: `https://hooks.slack.com/services/T${b('sw1', 8, `${UPPER}${DIGITS}`)}/B${b('sw2', 8, `${UPPER}${DIGITS}`)}/${b('sw3', 24)}`,
      line: (s) => `webhook: ${s}`,
    },
    { provider: 'Stripe', secret: `sk_live_${b('stripe', 24)}`, line: (s) => `stripe_key = "${s}"` },
    { provider: 'npm', secret: `npm_${b('npm', 36)}`, line: (s) => `//registry.npmjs.org/:_authToken=${s}` },
    {
      provider: 'PyPI',
      secret: `pypi-AgEIcHlwaS5vcmc${b('pypi', 70, URLSAFE)}`,
      line: (s) => `password = ${s}`,
    },
    {
      provider: 'OpenAI',
      secret: `sk-proj-${b('oai1', 74, URLSAFE)}T3BlbkFJ${b('oai2', 74, URLSAFE)}`,
      line: (s) => `OPENAI_API_KEY=${s}`,
    },
    {
      provider: 'Anthropic',
      secret: `sk-ant-api03-${b('ant', 93, URLSAFE)}AA`,
      line: (s) => `ANTHROPIC_API_KEY=${s}`,
    },
    {
      provider: 'SendGrid',
      secret: `SG.${b('sg1', 22, URLSAFE)}.${b('sg2', 43, URLSAFE)}`,
      line: (s) => `SENDGRID_API_KEY=${s}`,
    },
    { provider: 'Twilio', secret: `SK${b('twilio', 32, HEX)}`, line: (s) => `twilio_api_key = "${s}"` },
    { provider: 'Shopify', secret: `shpat_${b('shop', 32, HEX)}`, line: (s) => `SHOPIFY_TOKEN=${s}` },
    {
      provider: 'DigitalOcean',
      secret: `dop_v1_${b('do', 64, HEX)}`,
      line: (s) => `DIGITALOCEAN_TOKEN=${s}`,
    },
    { provider: 'Doppler', secret: `dp.pt.${b('doppler', 43, ALNUM)}`, line: (s) => `DOPPLER_TOKEN=${s}` },
    {
      provider: 'Dynatrace',
      secret: `dt0c01.${b('dt1', 24, `${UPPER}${DIGITS}`)}.${b('dt2', 64, `${UPPER}${DIGITS}`)}`,
      line: (s) => `DT_API_TOKEN=${s}`,
    },
    { provider: 'Databricks', secret: `dapi${b('dbx', 32, HEX)}`, line: (s) => `DATABRICKS_TOKEN=${s}` },
    { provider: 'Heroku', secret: `HRKU-AA${b('heroku', 58, URLSAFE)}`, line: (s) => `HEROKU_API_KEY=${s}` },
    {
      provider: 'HashiCorp Terraform',
      secret: `${b('tf1', 14, `${LOWER}${DIGITS}`)}.atlasv1.${b('tf2', 67, `${LOWER}${DIGITS}`)}`,
      line: (s) => `token = "${s}"`,
    },
    {
      provider: 'HashiCorp Vault',
      secret: `hvs.${b('vault', 95, URLSAFE)}`,
      line: (s) => `VAULT_TOKEN=${s}`,
    },
    { provider: 'Pulumi', secret: `pul-${b('pulumi', 40, HEX)}`, line: (s) => `PULUMI_ACCESS_TOKEN=${s}` },
    {
      provider: 'Postman',
      secret: `PMAK-${b('pm1', 24, HEX)}-${b('pm2', 34, HEX)}`,
      line: (s) => `POSTMAN_API_KEY=${s}`,
    },
    { provider: 'Linear', secret: `lin_api_${b('linear', 40)}`, line: (s) => `LINEAR_API_KEY=${s}` },
    {
      provider: 'Notion',
      secret: `ntn_${b('n1', 11, DIGITS)}${b('n2', 35)}`,
      line: (s) => `NOTION_TOKEN=${s}`,
    },
    {
      provider: 'Grafana service account',
      secret: `glsa_${b('glsa', 32)}_${b('glsa2', 8, HEX)}`,
      line: (s) => `GRAFANA_TOKEN=${s}`,
    },
    {
      provider: 'New Relic',
      secret: `NRAK-${b('nr', 27, `${UPPER}${DIGITS}`)}`,
      line: (s) => `NEW_RELIC_API_KEY=${s}`,
    },
    {
      provider: 'Sentry user token',
      secret: `sntryu_${b('sentry', 64, HEX)}`,
      line: (s) => `SENTRY_AUTH_TOKEN=${s}`,
    },
    {
      provider: 'age',
      secret: `AGE-SECRET-KEY-1${b('age', 58, 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L')}`,
      line: (s) => `# ${s}`,
    },
    {
      provider: 'Google API key',
      secret: `AIza${b('gcp', 35, URLSAFE)}`,
      line: (s) => `GOOGLE_API_KEY=${s}`,
    },
    {
      provider: 'Azure AD client secret',
      secret: `${b('az1', 3)}7Q~${b('az2', 34, `${ALNUM}_~.-`)}`,
      line: (s) => `AZURE_CLIENT_SECRET=${s}`,
    },
    {
      provider: 'Alibaba',
      secret: `LTAI${b('ali', 20, `${LOWER}${DIGITS}`)}`,
      line: (s) => `alibaba_key = ${s}`,
    },
    { provider: 'Adobe', secret: `p8e-${b('adobe', 32, HEX)}`, line: (s) => `adobe_client_secret = "${s}"` },
    {
      provider: 'Atlassian',
      secret: `ATATT3${b('atl', 186, `${ALNUM}_=-`)}`,
      line: (s) => `JIRA_API_TOKEN=${s}`,
    },
    {
      provider: 'Clojars',
      secret: `CLOJARS_${b('clojars', 60, `${LOWER}${DIGITS}`)}`,
      line: (s) => `CLOJARS_TOKEN=${s}`,
    },
    {
      provider: 'Cloudflare origin CA',
      secret: `v1.0-${b('cf1', 24, HEX)}-${b('cf2', 146, HEX)}`,
      line: (s) => `origin_ca_key = ${s}`,
    },
    {
      provider: 'Contentful',
      secret: b('contentful', 43, `${LOWER}${DIGITS}_-`),
      line: (s) => `contentful_delivery_token = "${s}"`,
    },
    {
      provider: 'Duffel',
      secret: `duffel_live_${b('duffel', 43, URLSAFE)}`,
      line: (s) => `DUFFEL_TOKEN=${s}`,
    },
    { provider: 'EasyPost', secret: `EZAK${b('ezak', 54)}`, line: (s) => `EASYPOST_KEY=${s}` },
    { provider: 'Frame.io', secret: `fio-u-${b('fio', 64, URLSAFE)}`, line: (s) => `FRAMEIO_TOKEN=${s}` },
    {
      provider: 'Hugging Face',
      secret: `hf_${b('hf', 34, `${UPPER}${LOWER}`)}`,
      line: (s) => `HF_TOKEN=${s}`,
    },
    { provider: 'Infracost', secret: `ico-${b('ico', 32)}`, line: (s) => `INFRACOST_API_KEY=${s}` },
    { provider: 'Prefect', secret: `pnu_${b('prefect', 36)}`, line: (s) => `PREFECT_API_KEY=${s}` },
    {
      provider: 'ReadMe',
      secret: `rdme_${b('rdme', 70, `${LOWER}${DIGITS}`)}`,
      line: (s) => `README_API_KEY=${s}`,
    },
    { provider: 'RubyGems', secret: `rubygems_${b('gem', 48, HEX)}`, line: (s) => `GEM_HOST_API_KEY=${s}` },
    {
      provider: 'Scalingo',
      secret: `tk-us-${b('scalingo', 48, URLSAFE)}`,
      line: (s) => `SCALINGO_TOKEN=${s}`,
    },
    {
      provider: 'Brevo (Sendinblue)',
      secret: `xkeysib-${b('sib1', 64, HEX)}-${b('sib2', 16)}`,
      line: (s) => `SENDINBLUE_KEY=${s}`,
    },
    { provider: 'Shippo', secret: `shippo_live_${b('shippo', 40, HEX)}`, line: (s) => `SHIPPO_TOKEN=${s}` },
    {
      provider: 'Square',
      secret: `EAAA${b('square', 60, URLSAFE)}`,
      line: (s) => `SQUARE_ACCESS_TOKEN=${s}`,
    },
    { provider: 'Typeform', secret: `tfp_${b('tf', 59, `${URLSAFE}.`)}`, line: (s) => `TYPEFORM_TOKEN=${s}` },
    {
      provider: 'PlanetScale',
      secret: `pscale_tkn_${b('pscale', 43, URLSAFE)}`,
      line: (s) => `PLANETSCALE_TOKEN=${s}`,
    },
    { provider: 'Perplexity', secret: `pplx-${b('pplx', 48)}`, line: (s) => `PERPLEXITY_API_KEY=${s}` },
    {
      provider: 'Octopus Deploy',
      secret: `API-${b('octo', 26, `${UPPER}${DIGITS}`)}`,
      line: (s) => `OCTOPUS_API_KEY=${s}`,
    },
    { provider: 'Artifactory', secret: `AKCp${b('jfrog', 69)}`, line: (s) => `ARTIFACTORY_API_KEY=${s}` },
    {
      provider: 'Harness',
      secret: `pat.${b('h1', 22, URLSAFE)}.${b('h2', 24, HEX)}.${b('h3', 20)}`,
      line: (s) => `HARNESS_TOKEN=${s}`,
    },
    { provider: 'Dropbox', secret: `sl.${b('dropbox', 135, URLSAFE)}`, line: (s) => `DROPBOX_TOKEN=${s}` },
    { provider: 'Mailgun', secret: `key-${b('mailgun', 32, HEX)}`, line: (s) => `mailgun_api_key = "${s}"` },
    { provider: 'Mailchimp', secret: `${b('mc', 32, HEX)}-us20`, line: (s) => `mailchimp_api_key = "${s}"` },
    {
      provider: 'Sentry org token',
      secret: `sntrys_eyJpYXQiO${b('so1', 40, `${ALNUM}+/`)}LCJyZWdpb25fdXJs${b('so2', 60, `${ALNUM}+/`)}_${b('so3', 43, `${ALNUM}+/`)}`,
      line: (s) => `SENTRY_ORG_TOKEN=${s}`,
    },
    {
      provider: '1Password service account',
      secret: `ops_eyJ${b('ops', 260, `${ALNUM}+/`)}`,
      line: (s) => `OP_SERVICE_ACCOUNT_TOKEN=${s}`,
    },
  ];
