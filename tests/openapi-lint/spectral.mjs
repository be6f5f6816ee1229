// Spectral's OpenAPI rules plus the OWASP API security ruleset, both from node_modules (a
// ruleset named as a package in YAML would be fetched over the network when not found).
import { oas } from "@stoplight/spectral-rulesets";
import owasp from "@stoplight/spectral-owasp-ruleset";

export default { extends: [oas, owasp] };
