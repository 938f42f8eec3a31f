package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/video-platform/video-platform/internal/contract"
)

// Legacy aws:alb tokens are aliases of the aws:lb resources; both are checked.
var (
	listenerTypes     = []string{TypeListener, "aws:alb/listener:Listener"}
	loadBalancerTypes = []string{TypeLoadBalancer, "aws:alb/loadBalancer:LoadBalancer"}
	worldCIDRs        = []string{"0.0.0.0/0", "::/0"}
	adminPorts        = []int{22, 3389}
	worldPorts        = []int{80, 443}
)

// ingressPerm is one ingress permission normalised across the three AWS
// shapes (inline SG ingress, SecurityGroupRule, SecurityGroupIngressRule).
type ingressPerm struct {
	where      string
	proto      string
	from, to   int
	portsKnown bool
	world      []string
}

func (p ingressPerm) allProtocols() bool { return p.proto == "-1" || strings.EqualFold(p.proto, "all") }

func (p ingressPerm) allPorts() bool {
	return p.allProtocols() || (p.portsKnown && p.from <= 0 && p.to >= 65535)
}

func (p ingressPerm) portBearing() bool {
	switch strings.ToLower(p.proto) {
	case "tcp", "udp", "6", "17":
		return true
	}
	return false
}

func (p ingressPerm) covers(port int) bool {
	if p.allPorts() {
		return true
	}
	return p.portBearing() && p.portsKnown && p.from <= port && port <= p.to
}

func (p ingressPerm) describe() string {
	if p.allPorts() {
		return "all ports"
	}
	if p.from == p.to {
		return fmt.Sprintf("%s port %d", p.proto, p.from)
	}
	return fmt.Sprintf("%s ports %d-%d", p.proto, p.from, p.to)
}

// onlyWebPorts reports whether the permission opens nothing beyond 80/443.
func (p ingressPerm) onlyWebPorts() bool {
	if p.allPorts() || !p.portsKnown || !p.portBearing() {
		return false
	}
	for port := p.from; port <= p.to; port++ {
		if !slices.Contains(worldPorts, port) {
			return false
		}
	}
	return true
}

// worldIngress returns the ingress permissions of r that are open to the
// internet. Permissions whose CIDRs, protocol or ports are computed are
// skipped: they cannot be judged until known, and the engine re-runs rules
// at update time with real values.
func worldIngress(r Resource) []ingressPerm {
	var raw []map[string]any
	var where []string
	cidrKeys := []string{"cidrBlocks", "ipv6CidrBlocks"}
	protoKey := "protocol"
	switch r.Type {
	case TypeSecurityGroup:
		list, _ := getList(r.Inputs, "ingress")
		for i, item := range list {
			if m, ok := asMap(item); ok {
				raw = append(raw, m)
				where = append(where, fmt.Sprintf("ingress[%d]", i))
			}
		}
	case TypeSecurityGroupRule:
		if t, _ := getString(r.Inputs, "type"); t != "ingress" {
			return nil
		}
		raw, where = []map[string]any{r.Inputs}, []string{""}
	case TypeSGIngressRule:
		raw, where = []map[string]any{r.Inputs}, []string{""}
		cidrKeys = []string{"cidrIpv4", "cidrIpv6"}
		protoKey = "ipProtocol"
	default:
		return nil
	}
	var out []ingressPerm
	for i, m := range raw {
		p := ingressPerm{where: where[i]}
		proto, ok := lookup(m, protoKey)
		if !ok {
			continue
		}
		if IsUnknown(proto) {
			continue
		}
		if n, isNum := asInt(proto); isNum {
			p.proto = fmt.Sprint(n)
		} else {
			p.proto, _ = asString(proto)
		}
		from, fromOK := lookupInt(m, "fromPort")
		to, toOK := lookupInt(m, "toPort")
		p.from, p.to, p.portsKnown = from, to, fromOK && toOK
		if !p.portsKnown && !p.allProtocols() {
			continue
		}
		for _, key := range cidrKeys {
			v, ok := lookup(m, key)
			if !ok || IsUnknown(v) {
				continue
			}
			values := []any{v}
			if l, isList := asList(v); isList {
				values = l
			}
			for _, c := range values {
				s, _ := asString(c)
				if slices.Contains(worldCIDRs, s) {
					p.world = append(p.world, s)
				}
			}
		}
		// A computed CIDR list cannot be judged; a literal world CIDR next to
		// it still counts.
		if len(p.world) > 0 {
			out = append(out, p)
		}
	}
	return out
}

func lookupInt(m map[string]any, key string) (int, bool) {
	v, ok := lookup(m, key)
	if !ok || IsUnknown(v) {
		return 0, false
	}
	return asInt(v)
}

func permLabel(r Resource, p ingressPerm) string {
	l := label(kindOf(r.Type), r)
	if p.where != "" {
		l += " " + p.where
	}
	return l
}

func noWorldSSH() Rule {
	return Rule{
		Name:        "no-world-ssh",
		Description: "Security groups must not open SSH, RDP or all ports to the internet.",
		Level:       Mandatory,
		Resource: func(_ Settings, r Resource) []string {
			var out []string
			for _, p := range worldIngress(r) {
				var exposed []string
				if p.allPorts() {
					exposed = []string{"all ports"}
				} else {
					for _, port := range adminPorts {
						if p.covers(port) {
							exposed = append(exposed, fmt.Sprintf("port %d", port))
						}
					}
				}
				if len(exposed) == 0 {
					continue
				}
				out = append(out, fmt.Sprintf("%s opens %s to %s; remove the rule and use SSM Session Manager for shell access",
					permLabel(r, p), strings.Join(exposed, " and "), strings.Join(p.world, ", ")))
			}
			return out
		},
	}
}

// worldIngressOnlyOnLB is a stack rule because standalone ingress rules
// carry only securityGroupId, and whether that group is a load balancer's
// is only visible on the group resource itself. The group is resolved by
// (1) the engine's property dependencies, (2) the offline render's
// "<computed:{type}.{property}[{name}]>" placeholder, or (3) a literal id
// matching a group's "id" input. A rule whose group cannot be resolved is
// reported: an unverifiable internet-facing rule is treated as a violation.
func worldIngressOnlyOnLB() Rule {
	return Rule{
		Name:        "world-ingress-only-on-lb",
		Description: "Internet ingress is allowed only on ports 80/443 of load-balancer security groups.",
		Level:       Mandatory,
		Stack: func(_ Settings, rs []Resource) []Finding {
			var out []Finding
			for _, r := range rs {
				perms := worldIngress(r)
				if len(perms) == 0 {
					continue
				}
				var groups []Resource
				resolved := true
				if r.Type == TypeSecurityGroup {
					groups = []Resource{r}
				} else {
					groups = resolveGroup(r, rs)
					resolved = len(groups) > 0
				}
				for _, p := range perms {
					if !p.onlyWebPorts() {
						out = append(out, Finding{URN: r.URN, Message: fmt.Sprintf("%s opens %s to %s; only ports 80 and 443 may face the internet: narrow the rule or restrict its source CIDRs",
							permLabel(r, p), p.describe(), strings.Join(p.world, ", "))})
					}
					if !resolved {
						out = append(out, Finding{URN: r.URN, Message: fmt.Sprintf("%s opens %s to the internet but its securityGroupId %s cannot be resolved to a security group in this stack; attach it to a load-balancer security group (tags.role = %q) declared in the same stack",
							permLabel(r, p), p.describe(), show(r.Inputs["securityGroupId"]), contract.RoleLoadBalancer)})
						continue
					}
					for _, g := range groups {
						tags := resourceTags(g)
						if role, _ := tags.get(contract.TagRole); role == contract.RoleLoadBalancer || tags.unknown {
							continue
						}
						out = append(out, Finding{URN: r.URN, Message: fmt.Sprintf("%s opens %s to the internet on %s, which is not a load-balancer group; put public traffic behind the ALB and allow only the ALB security group as source",
							permLabel(r, p), p.describe(), label("security group", g))})
					}
				}
			}
			return out
		},
	}
}

func resolveGroup(rule Resource, rs []Resource) []Resource {
	var out []Resource
	if urns := rule.PropertyDependencies["securityGroupId"]; len(urns) > 0 {
		for _, g := range rs {
			if g.Type == TypeSecurityGroup && slices.Contains(urns, g.URN) {
				out = append(out, g)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	id, _ := getString(rule.Inputs, "securityGroupId")
	if ref, ok := ParsePlaceholder(id); ok {
		for _, g := range rs {
			if g.Type == ref.Type && g.Name == ref.Name {
				out = append(out, g)
			}
		}
		return out
	}
	if id == "" {
		return nil
	}
	for _, g := range rs {
		if g.Type == TypeSecurityGroup {
			if gid, _ := getString(g.Inputs, "id"); gid == id {
				out = append(out, g)
			}
		}
	}
	return out
}

// Placeholder is a parsed offline-render reference to another resource's
// output: "<computed:{type}.{property}[{logical name}]>".
type Placeholder struct {
	Type     string
	Property string
	Name     string
}

// ParsePlaceholder parses s as an offline-render placeholder.
func ParsePlaceholder(s string) (Placeholder, bool) {
	body, ok := strings.CutPrefix(s, "<computed:")
	if !ok {
		return Placeholder{}, false
	}
	body, ok = strings.CutSuffix(body, "]>")
	if !ok {
		return Placeholder{}, false
	}
	open := strings.LastIndex(body, "[")
	if open < 0 {
		return Placeholder{}, false
	}
	ref, name := body[:open], body[open+1:]
	dot := strings.LastIndex(ref, ".")
	if dot <= 0 || dot == len(ref)-1 || name == "" {
		return Placeholder{}, false
	}
	return Placeholder{Type: ref[:dot], Property: ref[dot+1:], Name: name}, true
}

func albHTTPSOnly() Rule {
	return Rule{
		Name:        "alb-https-only",
		Description: "Load balancer listeners must redirect HTTP to HTTPS and use a TLS 1.2+ security policy.",
		Level:       Mandatory,
		Params: []Param{{
			Key: "allowedSslPolicies", Kind: StringListParam,
			Description: "ELB security policies accepted on HTTPS/TLS listeners.",
			Default:     func(bool) any { return contract.ModernSSLPolicies() },
		}},
		Resource: func(s Settings, r Resource) []string {
			if !slices.Contains(listenerTypes, r.Type) {
				return nil
			}
			// pulumi-aws defaults an omitted protocol to HTTP (ALB listeners).
			proto := "HTTP"
			if v, ok := lookup(r.Inputs, "protocol"); ok {
				if IsUnknown(v) {
					return nil
				}
				proto, _ = asString(v)
			}
			name := label("listener", r)
			switch strings.ToUpper(proto) {
			case "HTTP":
				actions, unknown := getList(r.Inputs, "defaultActions")
				if unknown {
					return nil
				}
				ok := len(actions) > 0
				for _, item := range actions {
					a, _ := asMap(item)
					t, _ := getString(a, "type")
					p, _ := getString(a, "redirect.protocol")
					if IsUnknown(t) || IsUnknown(p) {
						return nil
					}
					if t != "redirect" || p != "HTTPS" {
						ok = false
					}
				}
				if !ok {
					return []string{fmt.Sprintf("%s serves plain HTTP; make its only default action a redirect with redirect.protocol = \"HTTPS\" (statusCode HTTP_301)", name)}
				}
			case "HTTPS", "TLS":
				v, set := lookup(r.Inputs, "sslPolicy")
				if set && IsUnknown(v) {
					return nil
				}
				policy, _ := asString(v)
				allowed := s.Strings("allowedSslPolicies")
				if !slices.Contains(allowed, policy) {
					return []string{fmt.Sprintf("%s uses sslPolicy %s, which allows TLS below 1.2; set sslPolicy to one of %s",
						name, quoteOrUnset(v, set), strings.Join(allowed, ", "))}
				}
			}
			return nil
		},
	}
}

func albDeletionProtection() Rule {
	return Rule{
		Name:            "alb-deletion-protection",
		Description:     "Load balancers must have deletion protection enabled.",
		Level:           Advisory,
		ProductionLevel: Mandatory,
		Resource: func(_ Settings, r Resource) []string {
			if !slices.Contains(loadBalancerTypes, r.Type) {
				return nil
			}
			v, ok := lookup(r.Inputs, "enableDeletionProtection")
			if ok && IsUnknown(v) {
				return nil
			}
			if b, _ := asBool(v); b {
				return nil
			}
			return []string{fmt.Sprintf("%s can be deleted by a replace or destroy; set enableDeletionProtection = true", label("load balancer", r))}
		},
	}
}

// dnsSwapRecords is a stack rule because weight sums span several records.
func dnsSwapRecords() Rule {
	const maxTTL = 60
	return Rule{
		Name:        "dns-swap-records",
		Description: "Weighted DNS records used for blue/green swaps must switch quickly and keep traffic flowing.",
		Level:       Mandatory,
		Stack: func(_ Settings, rs []Resource) []Finding {
			type group struct {
				sum     int
				unknown bool
				members []Resource
			}
			groups := map[string]*group{}
			var out []Finding
			for _, r := range rs {
				if r.Type != TypeRecord {
					continue
				}
				policies, unknown := getList(r.Inputs, "weightedRoutingPolicies")
				if unknown || len(policies) == 0 {
					continue
				}
				name := label("DNS record", r)
				aliases, aliasUnknown := getList(r.Inputs, "aliases")
				if len(aliases) == 0 && !aliasUnknown {
					v, ok := lookup(r.Inputs, "ttl")
					ttl, isInt := asInt(v)
					switch {
					case ok && IsUnknown(v):
					case !ok || !isInt:
						out = append(out, Finding{URN: r.URN, Message: fmt.Sprintf("%s is weighted but has neither aliases nor a ttl; use an alias to the load balancer or set ttl <= %d", name, maxTTL)})
					case ttl > maxTTL:
						out = append(out, Finding{URN: r.URN, Message: fmt.Sprintf("%s is weighted with ttl %d, so a swap takes too long to propagate; use an alias to the load balancer or set ttl <= %d", name, ttl, maxTTL)})
					}
				}
				host, hostOK := getString(r.Inputs, "name")
				typ, typOK := getString(r.Inputs, "type")
				if !hostOK || !typOK || IsUnknown(host) || IsUnknown(typ) {
					continue
				}
				key := strings.ToLower(strings.TrimSuffix(host, ".")) + " " + strings.ToUpper(typ)
				g := groups[key]
				if g == nil {
					g = &group{}
					groups[key] = g
				}
				g.members = append(g.members, r)
				for _, item := range policies {
					p, _ := asMap(item)
					w, ok := p["weight"]
					if !ok || IsUnknown(w) {
						g.unknown = true
						continue
					}
					n, _ := asInt(w)
					g.sum += n
				}
			}
			keys := make([]string, 0, len(groups))
			for k := range groups {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				g := groups[k]
				if g.unknown || g.sum > 0 {
					continue
				}
				names := make([]string, len(g.members))
				for i, m := range g.members {
					names[i] = fmt.Sprintf("%q", m.Name)
				}
				sort.Strings(names)
				first := g.members[0]
				for _, m := range g.members[1:] {
					if m.Name < first.Name {
						first = m
					}
				}
				out = append(out, Finding{URN: first.URN, Message: fmt.Sprintf("weighted records for %s (%s) have total weight 0, so the name resolves nowhere; give the live color a weight > 0",
					k, strings.Join(names, ", "))})
			}
			return out
		},
	}
}
