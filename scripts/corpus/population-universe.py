#!/usr/bin/env python3
"""Zone universe and client query plans for scripts/corpus/gen-population.sh.

    population-universe.py OUTDIR [--domains N] [--clients N] [--minutes M]

Writes, deterministically (fixed seeds):
  OUTDIR/nsd/*.zone, OUTDIR/nsd-zones.conf   root, TLDs, registry suffixes
                                             (co.uk, com.au, ...), arpa
  OUTDIR/knot/*.zone, OUTDIR/knot-zones.conf every registered domain, the
                                             hosting suffixes (github.io,
                                             cloudfront.net, ...), corp.example
                                             and the reverse zones
  OUTDIR/plan-SPLIT.tsv                      t, client, qname, qtype, dig options
  OUTDIR/batch-SPLIT-K.txt                   dig -f input, K = sender chunk
  OUTDIR/summary.txt                         counts the script logs

Names come from /usr/share/dict/words (Debian wamerican). Answer addresses
are synthetic: 198.18.0.0/15 (IPv4, RFC 2544 benchmarking) and
2001:db8::/32 (IPv6); internal hosts 10.77.200.0/24.
"""
import argparse
import hashlib
import math
import os
import random
import re
import sys

RESOLVER4 = "10.77.0.53"
RESOLVER6 = "fd77::53"
NSD_ADDR = "10.77.250.2"
KNOT_ADDR = "10.77.250.3"
INTERNAL = "corp.example"
EPOCH = {"train": 1710234000, "test": 1710406800}  # 2024-03-12 / 2024-03-14 09:00 UTC

# Registry suffixes: (suffix, weight). Multi-label ones are served as their
# own zones by the registry server, delegated from their TLD.
ICANN_SUFFIXES = [
    ("com", 44), ("net", 9), ("org", 8), ("de", 6), ("co.uk", 5), ("io", 5),
    ("com.au", 3), ("fr", 2), ("nl", 2), ("ca", 2), ("co.jp", 1), ("org.uk", 1),
    ("info", 1), ("app", 1), ("dev", 1), ("us", 1), ("eu", 1),
]
# Hosting suffixes on the PSL's private section: each customer name is a
# registered domain of its own, all served from one provider zone.
PRIVATE_SUFFIXES = [("github.io", 3), ("herokuapp.com", 1), ("azurewebsites.net", 1), ("netlify.app", 1)]

# Well-known names every office network resolves; the answers are synthetic.
WELL_KNOWN = {
    "connect": {
        "win": ["www.msftconnecttest.com", "dns.msftncsi.com"],
        "mac": ["captive.apple.com"],
        "linux": ["connectivity-check.ubuntu.com", "nmcheck.gnome.org"],
        "mobile": ["connectivitycheck.gstatic.com", "clients3.google.com", "captive.apple.com"],
    },
    "ntp": {
        "win": ["time.windows.com"],
        "mac": ["time.apple.com"],
        "linux": ["0.debian.pool.ntp.org", "1.debian.pool.ntp.org", "2.debian.pool.ntp.org", "ntp.ubuntu.com"],
        "mobile": ["time.android.com", "time.apple.com"],
    },
    "os": {
        "win": ["v10.events.data.microsoft.com", "settings-win.data.microsoft.com", "login.live.com",
                "ctldl.windowsupdate.com", "wdcp.microsoft.com", "fe3cr.delivery.mp.microsoft.com",
                "arc.msn.com", "g.live.com", "oneclient.sfx.ms", "edge.microsoft.com",
                "nav.smartscreen.microsoft.com", "img-prod-cms-rt-microsoft-com.akamaized.net"],
        "mac": ["gateway.icloud.com", "api.apple-cloudkit.com", "swscan.apple.com", "mesu.apple.com",
                "gsp-ssl.ls.apple.com", "init.itunes.apple.com", "p53-keyvalueservice.icloud.com"],
        "linux": ["security.ubuntu.com", "archive.ubuntu.com", "deb.debian.org", "motd.ubuntu.com",
                  "api.snapcraft.io", "esm.ubuntu.com"],
        "mobile": ["mtalk.google.com", "play.googleapis.com", "android.clients.google.com",
                   "gateway.icloud.com", "graph.facebook.com", "www.googleapis.com"],
    },
    "apps": ["outlook.office365.com", "outlook.office.com", "login.microsoftonline.com", "teams.microsoft.com",
             "presence.teams.microsoft.com", "graph.microsoft.com", "nexus.officeapps.live.com",
             "slack.com", "wss-primary.slack.com", "edgeapi.slack.com", "zoom.us", "us04web.zoom.us",
             "www.google.com", "accounts.google.com", "mail.google.com", "update.googleapis.com",
             "clients2.google.com", "safebrowsing.googleapis.com", "github.com", "api.github.com",
             "raw.githubusercontent.com", "autodiscover.outlook.com", "www.dropbox.com", "client.dropbox.com", "login.salesforce.com"],
    "thirdparty": ["www.google-analytics.com", "www.googletagmanager.com", "stats.g.doubleclick.net",
                   "securepubads.g.doubleclick.net", "pagead2.googlesyndication.com", "connect.facebook.net",
                   "sb.scorecardresearch.com", "static.hotjar.com", "bam.nr-data.net", "cdn.segment.com",
                   "ib.adnxs.com", "static.criteo.net", "fonts.googleapis.com", "fonts.gstatic.com",
                   "ajax.googleapis.com", "cdnjs.cloudflare.com", "cdn.jsdelivr.net", "js.stripe.com",
                   "www.youtube.com", "i.ytimg.com", "platform.twitter.com", "snap.licdn.com"],
}
CDN_ZONES = ["akamaiedge.net", "edgekey.net", "akamaized.net", "cloudfront.net", "fastly.net",
             "azureedge.net", "cdn.cloudflare.net", "amazonaws.com"]
PROVIDER_NS = ["ns1.dnshost.net", "ns2.dnshost.net", "ns-a.cloudns.org", "ns-b.cloudns.org"]


def words():
    path = "/usr/share/dict/words"
    if not os.path.exists(path):
        sys.exit("population-universe: /usr/share/dict/words missing (apt-get install wamerican)")
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for w in f:
            w = w.strip()
            if re.fullmatch(r"[a-z]{3,10}", w):
                out.append(w)
    return sorted(set(out))


def regdom(name):
    """Registered domain under this universe's own suffix list."""
    labels = name.split(".")
    for suf, _ in PRIVATE_SUFFIXES:
        n = suf.count(".") + 1
        if labels[-n:] == suf.split("."):
            return ".".join(labels[-n - 1:]) if len(labels) > n else name
    if name == INTERNAL or name.endswith("." + INTERNAL):
        return INTERNAL
    for suf, _ in ICANN_SUFFIXES:
        n = suf.count(".") + 1
        if "." in suf and labels[-n:] == suf.split("."):
            return ".".join(labels[-n - 1:])
    return ".".join(labels[-2:])


class Zone:
    def __init__(self, origin, server):
        self.origin = origin
        self.server = server
        self.rr = []  # (owner relative or absolute, ttl, type, rdata)

    def add(self, owner, ttl, rtype, rdata):
        self.rr.append((owner, ttl, rtype, rdata))

    def text(self):
        o = self.origin
        lines = [f"$ORIGIN {o}." if o else "$ORIGIN .", "$TTL 3600"]
        mname = "a.root-servers.net." if self.server == "nsd" else "ns1.dnshost.net."
        lines.append(f"@ 3600 IN SOA {mname} hostmaster.{o + '.' if o else 'root-servers.net.'} 2024031201 7200 900 1209600 300")
        for owner, ttl, rtype, rdata in self.rr:
            lines.append(f"{owner} {ttl} IN {rtype} {rdata}")
        return "\n".join(lines) + "\n"


class Universe:
    def __init__(self, n_domains, rng, wl):
        self.rng = rng
        self.wl = wl
        self.zones = {}       # origin -> Zone
        self.hosts = {}       # fqdn -> {"types": set, "ttl": int}
        self.ptr4 = []        # addresses with PTR records
        self.next4 = 0
        self.sites = []       # browsable word-based registered domains
        self.site_info = {}   # regdom -> {"main": host, "subs": [...], "third": [...]}
        self.build(n_domains)

    # --------------------------------------------------------- helpers
    def zone_for(self, fqdn):
        labels = fqdn.split(".")
        for i in range(len(labels)):
            z = ".".join(labels[i:])
            if z in self.zones and self.zones[z].server == "knot":
                return self.zones[z]
        raise KeyError(fqdn)

    def addr4(self):
        self.next4 += 1
        n = self.next4 * 7 % 131071 + 1
        return f"198.{18 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"

    def addr6(self, dom_idx, host):
        return f"2001:db8:{dom_idx & 0xffff:x}:{(dom_idx >> 16) & 0xff:x}::{host:x}"

    def rel(self, zone, fqdn):
        return "@" if fqdn == zone.origin else fqdn[: -len(zone.origin) - 1]

    def host(self, fqdn, ttl, v4=1, v6=True, idx=0, cname=None, https=None):
        z = self.zone_for(fqdn)
        r = self.rel(z, fqdn)
        info = self.hosts.setdefault(fqdn, {"types": set(), "ttl": ttl})
        if cname:
            z.add(r, ttl, "CNAME", cname + ".")
            info["types"].add("CNAME")
            return
        for _ in range(v4):
            a = self.addr4()
            z.add(r, ttl, "A", a)
            if self.rng.random() < 0.3:
                self.ptr4.append((a, fqdn))
        info["types"].add("A")
        if v6:
            for k in range(max(1, v4 // 2)):
                z.add(r, ttl, "AAAA", self.addr6(idx, self.rng.randrange(1, 4096)))
            info["types"].add("AAAA")
        if https:
            z.add(r, ttl, "HTTPS", https)
            info["types"].add("HTTPS")

    def cdn_target(self, label, idx):
        """A CDN edge name (chain created on demand) for a customer host."""
        rng = self.rng
        kind = rng.choice(["akamai", "akamai", "cloudfront", "fastly", "azure", "cloudflare"])
        if kind == "akamai":
            edge = f"e{rng.randrange(1000, 99999)}.{rng.choice('abcdg')}.akamaiedge.net"
            if edge not in self.hosts:
                self.host(edge, 20, v4=2, v6=rng.random() < 0.7, idx=idx)
            mid = f"{label}.edgekey.net"
            if mid not in self.hosts:
                self.host(mid, 300, cname=edge)
            return mid
        if kind == "cloudfront":
            cid = "d" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(13))
            edge = f"{cid}.cloudfront.net"
            self.host(edge, 60, v4=4, v6=rng.random() < 0.6, idx=idx)
            return edge
        if kind == "fastly":
            edge = f"{label}.map.fastly.net"
            if edge not in self.hosts:
                self.host(edge, 30, v4=2, v6=True, idx=idx)
            return edge
        if kind == "azure":
            edge = f"{label}-{rng.randrange(10, 99)}.azureedge.net"
            if edge not in self.hosts:
                self.host(edge, 60, v4=1, v6=False, idx=idx)
            return edge
        edge = f"{label}.cdn.cloudflare.net"
        if edge not in self.hosts:
            self.host(edge, 300, v4=2, v6=True, idx=idx, https='1 . alpn="h3,h2"')
        return edge

    def ensure_zone(self, origin, server="knot"):
        if origin not in self.zones:
            self.zones[origin] = Zone(origin, server)
        return self.zones[origin]

    # --------------------------------------------------------- build
    def build(self, n_domains):
        rng = self.rng
        # Registry side (nsd): root, TLDs, multi-label registry suffixes, arpa.
        tlds = sorted({s.split(".")[-1] for s, _ in ICANN_SUFFIXES} | {"com", "net", "org", "io", "us", "ms", "app", "example", "arpa"})
        self.ensure_zone("", "nsd")
        for t in tlds:
            if t == "example":
                continue  # internal: reached through the resolver's stub zone
            self.ensure_zone(t, "nsd")
        for s, _ in ICANN_SUFFIXES:
            if "." in s:
                self.ensure_zone(s, "nsd")
        self.ensure_zone("in-addr.arpa", "nsd")
        # Knot: provider zones first, then the customers.
        for z in ["dnshost.net", "cloudns.org"] + CDN_ZONES + [s for s, _ in PRIVATE_SUFFIXES]:
            self.ensure_zone(z)
        for n in PROVIDER_NS:  # the providers' name servers name themselves
            zz = self.zones[regdom(n)]
            zz.add("@", 86400, "NS", n + ".")
            zz.add(n.split(".")[0], 86400, "A", KNOT_ADDR)
        for z in ["18.198.in-addr.arpa", "19.198.in-addr.arpa"]:
            self.ensure_zone(z)
        # Well-known names: their registered domains become zones.
        wk = set()
        for group in WELL_KNOWN.values():
            for v in (group.values() if isinstance(group, dict) else [group]):
                wk.update(v)
        for fq in sorted(wk):
            rd = regdom(fq)
            if rd not in self.zones:
                self.ensure_zone(rd)
        for i, fq in enumerate(sorted(wk)):
            rd = regdom(fq)
            if fq in self.hosts:
                continue
            if fq != rd and rng.random() < 0.35 and not fq.endswith(tuple(CDN_ZONES)):
                self.host(fq, rng.choice([60, 300, 3600]), cname=self.cdn_target(fq.split(".")[0] + "-" + rd.split(".")[0], 1000 + i))
            else:
                self.host(fq, rng.choice([20, 60, 300, 300, 3600]), v4=rng.choice([1, 1, 2, 4]), v6=rng.random() < 0.75, idx=1000 + i,
                          https='1 . alpn="h2,h3"' if rng.random() < 0.3 else None)
        for fq in sorted(wk):
            z = self.zones[regdom(fq)]
            if not any(rt == "NS" and o == "@" for o, _, rt, _ in z.rr):
                self.apex_common(z, 5000 + len(self.zones))
        self.well_known = sorted(wk)
        # Word-based registered domains.
        used = set(self.zones)
        weights = [w for _, w in ICANN_SUFFIXES] + [w for _, w in PRIVATE_SUFFIXES]
        sufs = [s for s, _ in ICANN_SUFFIXES] + [s for s, _ in PRIVATE_SUFFIXES]
        private = {s for s, _ in PRIVATE_SUFFIXES}
        self.adtech = []
        while len(self.sites) + len(self.adtech) < n_domains:
            suf = rng.choices(sufs, weights)[0]
            label = self.make_label(suf in private)
            rd = f"{label}.{suf}"
            if rd in used:
                continue
            used.add(rd)
            idx = len(used)
            if suf in private:
                self.private_site(rd, suf, idx)
            elif rng.random() < 0.06:
                self.ensure_zone(rd)
                self.adtech_domain(rd, idx)
            else:
                self.ensure_zone(rd)
                self.site(rd, idx)
        self.internal()
        self.reverse()
        self.registry()

    def make_label(self, private):
        rng, wl = self.rng, self.wl
        r = rng.random()
        if private:
            return rng.choice(wl) + "-" + rng.choice(wl) if r < 0.6 else rng.choice(wl) + str(rng.randrange(1, 99))
        if r < 0.5:
            return rng.choice(wl)
        if r < 0.8:
            return rng.choice(wl) + rng.choice(wl)
        if r < 0.88:
            return rng.choice(wl) + "-" + rng.choice(wl)
        if r < 0.93:
            return rng.choice(wl) + str(rng.randrange(1, 999))
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(2, 5))) + rng.choice(wl)

    def apex_common(self, z, idx):
        rng = self.rng
        ns = rng.choice([PROVIDER_NS[:2], PROVIDER_NS[2:]])
        for n in ns:
            z.add("@", 86400, "NS", n + ".")
        d = z.origin
        if rng.random() < 0.5:
            z.add("@", 3600, "MX", f"0 {d.replace('.', '-')}.mail.protection.outlook.com.")
            spf = "include:spf.protection.outlook.com"
        else:
            z.add("@", 3600, "MX", f"10 mail.{d}.")
            z.add("@", 3600, "MX", f"20 mail2.{d}.")
            spf = "mx"
        z.add("@", 3600, "TXT", f'"v=spf1 {spf} -all"')
        if rng.random() < 0.5:
            tok = hashlib.sha256(d.encode()).hexdigest()[:43]
            z.add("@", 3600, "TXT", f'"google-site-verification={tok}"')
        if rng.random() < 0.4:
            z.add("@", 3600, "TXT", f'"MS=ms{int(hashlib.md5(d.encode()).hexdigest()[:8], 16) % 10**8:08d}"')
        z.add("_dmarc", 3600, "TXT", f'"v=DMARC1; p={rng.choice(["none", "quarantine", "reject"])}; rua=mailto:dmarc@{d}"')
        self.hosts.setdefault(d, {"types": set(), "ttl": 3600})["types"].update({"MX", "TXT", "NS", "SOA"})
        self.hosts.setdefault("_dmarc." + d, {"types": set(), "ttl": 3600})["types"].add("TXT")

    def site(self, rd, idx):
        rng = self.rng
        z = self.zones[rd]
        self.apex_common(z, idx)
        ttl = rng.choice([60, 300, 300, 600, 3600, 3600, 14400, 86400])
        v6 = rng.random() < 0.55
        https = rng.random() < 0.25
        hv = f'1 . alpn="h2,h3"' if https else None
        self.host(rd, ttl, v4=rng.choice([1, 1, 1, 2, 4]), v6=v6, idx=idx, https=hv)
        label = rd.split(".")[0]
        cdn = rng.random() < 0.35
        if cdn:
            self.host("www." + rd, ttl, cname=self.cdn_target(label, idx))
        elif rng.random() < 0.5:
            self.host("www." + rd, ttl, cname=rd)
        else:
            self.host("www." + rd, ttl, v4=rng.choice([1, 2]), v6=v6, idx=idx, https=hv)
        subs = []
        pool = ["m", "api", "cdn", "static", "login", "auth", "mail", "assets", "shop", "blog", "support", "status", "app", "media", "news"]
        for s in rng.sample(pool, rng.randrange(1, 6)):
            fq = f"{s}.{rd}"
            if s in ("cdn", "static", "assets", "media") and rng.random() < 0.5:
                self.host(fq, ttl, cname=self.cdn_target(f"{s}-{label}", idx))
            else:
                self.host(fq, ttl, v4=rng.choice([1, 2]), v6=v6, idx=idx, https=hv if s != "mail" else None)
            subs.append(fq)
        if rng.random() < 0.3:
            for k in range(1, rng.randrange(2, 10)):
                self.host(f"img{k}.{rd}", 3600, v4=1, v6=v6, idx=idx)
                subs.append(f"img{k}.{rd}")
        if rng.random() < 0.15:
            region = rng.choice(["eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-1"])
            self.host(f"s3-{region}.{rd}", 300, cname=f"s3.{region}.amazonaws.com")
            if f"s3.{region}.amazonaws.com" not in self.hosts:
                self.host(f"s3.{region}.amazonaws.com", 5, v4=1, v6=True, idx=9)
            subs.append(f"s3-{region}.{rd}")
        if rng.random() < 0.15:
            for r in rng.sample(["eu", "us", "ap", "uk", "de"], 2):
                self.host(f"{r}.api.{rd}", 60, v4=2, v6=v6, idx=idx)
                subs.append(f"{r}.api.{rd}")
        if rng.random() < 0.3:
            self.host(f"autodiscover.{rd}", 3600, cname="autodiscover.outlook.com")
        if rng.random() < 0.1:
            z.add("_sip._tls", 3600, "SRV", "100 1 443 sipdir.online.lync.com.")
            z.add("_sipfederationtls._tcp", 3600, "SRV", "100 1 5061 sipfed.online.lync.com.")
            self.hosts.setdefault("_sip._tls." + rd, {"types": set(), "ttl": 3600})["types"].add("SRV")
        if rng.random() < 0.05:
            z.add("@", 3600, "CAA", '0 issue "letsencrypt.org"')
        main = "www." + rd if rng.random() < 0.75 else rd
        self.sites.append(rd)
        self.site_info[rd] = {"main": main, "subs": subs, "third": [], "ttl": ttl}

    def adtech_domain(self, rd, idx):
        rng = self.rng
        z = self.zones[rd]
        self.apex_common(z, idx)
        hosts = []
        for s in rng.sample(["px", "sync", "cdn", "tag", "collect", "t", "pixel", "events", "ads", "js", "api", "beacon"], 3):
            fq = f"{s}.{rd}"
            if rng.random() < 0.3:
                self.host(fq, 60, cname=self.cdn_target(f"{s}-{rd.split('.')[0]}", idx))
            else:
                self.host(fq, rng.choice([30, 60, 300]), v4=rng.choice([1, 2, 4]), v6=rng.random() < 0.6, idx=idx)
            hosts.append(fq)
        self.adtech.append(hosts)

    def private_site(self, rd, suf, idx):
        rng = self.rng
        if suf == "github.io":
            self.host(rd, 600, v4=4, v6=True, idx=7)
        elif suf == "herokuapp.com":
            self.host(rd, 30, v4=rng.choice([2, 4]), v6=False, idx=8)
        elif suf == "netlify.app":
            self.host(rd, 20, v4=1, v6=True, idx=10)
        else:
            tgt = f"waws-prod-{rng.choice(['am2', 'db3', 'blu', 'bay'])}-{rng.randrange(10, 999):03d}.cloudapp.azurewebsites.net"
            self.host(rd, 300, cname=tgt)
            if tgt not in self.hosts:
                self.host(tgt, 1800, v4=1, v6=False, idx=11)
        self.sites.append(rd)
        self.site_info[rd] = {"main": rd, "subs": [], "third": [], "ttl": 300}

    def internal(self):
        rng = self.rng
        z = self.ensure_zone(INTERNAL)
        z.add("@", 3600, "NS", "dc01.corp.example.")
        z.add("@", 3600, "NS", "dc02.corp.example.")
        z.add("@", 600, "A", "10.77.200.10")
        z.add("@", 600, "A", "10.77.200.11")
        self.internal_hosts = []
        for i, h in enumerate(["dc01", "dc02", "fs01", "fs02", "print01", "intranet", "wiki", "jira", "git", "vpn",
                               "mail", "proxy", "sccm", "wsus", "erp", "crm", "hr", "build01", "build02", "nas01",
                               "sharepoint", "timesheet", "backup01", "monitor", "grafana", "ldap", "radius", "pki"]):
            a = f"10.77.200.{10 + i}"
            z.add(h, 1200, "A", a)
            self.ptr4.append((a, f"{h}.{INTERNAL}"))
            self.hosts[f"{h}.{INTERNAL}"] = {"types": {"A"}, "ttl": 1200}
            self.internal_hosts.append(f"{h}.{INTERNAL}")
        z.add("wpad-disabled", 1200, "TXT", '"no wpad here"')
        for svc, port in [("_ldap._tcp", 389), ("_kerberos._tcp", 88), ("_kerberos._udp", 88), ("_kpasswd._tcp", 464),
                          ("_gc._tcp", 3268), ("_ldap._tcp.dc._msdcs", 389), ("_kerberos._tcp.dc._msdcs", 88),
                          ("_ldap._tcp.hq._sites.dc._msdcs", 389), ("_ldap._tcp.pdc._msdcs", 389)]:
            for dc in (["dc01"] if "pdc" in svc else ["dc01", "dc02"]):
                z.add(svc, 600, "SRV", f"0 100 {port} {dc}.{INTERNAL}.")
            self.hosts[f"{svc}.{INTERNAL}"] = {"types": {"SRV"}, "ttl": 600}
        z.add("gc._msdcs", 600, "A", "10.77.200.10")
        self.hosts[f"gc._msdcs.{INTERNAL}"] = {"types": {"A"}, "ttl": 600}
        rz = self.ensure_zone("77.10.in-addr.arpa")
        rz.add("@", 3600, "NS", "dc01.corp.example.")

    def reverse(self):
        for a, name in self.ptr4:
            o = a.split(".")
            if o[0] == "10":
                self.zones["77.10.in-addr.arpa"].add(f"{o[3]}.{o[2]}", 1200, "PTR", name + ".")
            else:
                self.zones[f"{o[1]}.198.in-addr.arpa"].add(f"{o[3]}.{o[2]}", 3600, "PTR", name + ".")

    def registry(self):
        """Delegations from root, TLDs and registry suffixes to knot."""
        root = self.zones[""]
        root.add("a.root-servers.net.", 3600000, "A", NSD_ADDR)
        # The root server's name is also authoritative data in net, so a
        # resolver checking it finds it.
        self.zones["net"].add("a.root-servers", 3600000, "A", NSD_ADDR)
        for origin, z in sorted(self.zones.items()):
            if origin == "" or origin == INTERNAL or origin == "77.10.in-addr.arpa":
                continue
            parent = origin.split(".", 1)[1] if "." in origin else ""
            while parent not in self.zones or self.zones[parent].server != "nsd":
                parent = parent.split(".", 1)[1] if "." in parent else ""
            pz = self.zones[parent]
            own = origin if parent == "" else origin[: -len(parent) - 1]
            if z.server == "nsd":
                if not any(rt == "NS" and o == "@" for o, _, rt, _ in z.rr):
                    z.add("@", 86400, "NS", "a.root-servers.net.")
                pz.add(own, 86400, "NS", "a.root-servers.net.")
                continue
            nss = [rd for o, _, rt, rd in z.rr if rt == "NS" and o == "@"]
            if not nss:
                nss = ["ns1.dnshost.net.", "ns2.dnshost.net."]
                for n in nss:
                    z.add("@", 86400, "NS", n)
            for n in nss:
                pz.add(own, 86400, "NS", n)
            for n in nss:
                if n.endswith("." + origin + "."):  # in bailiwick: glue
                    pz.add(n, 86400, "A", KNOT_ADDR)
        # A zone's own apex answer in nsd-served zones.
        self.zones[""].add("@", 518400, "NS", "a.root-servers.net.")


# ------------------------------------------------------------------ plans

class Client:
    def __init__(self, rng, split, i, u):
        self.rng = rng
        self.os = rng.choices(["win", "mac", "linux", "mobile", "server", "k8s"], [53, 17, 10, 14, 4, 2])[0]
        self.v6 = rng.random() < 0.15
        if self.v6:
            self.addr = f"fd77::{8 if split == 'train' else 16}:{i + 1:x}"
        else:
            base = 8 if split == "train" else 16
            self.addr = f"10.77.{base + i // 250}.{1 + i % 250}"
        self.browser = self.os in ("win", "mac", "linux", "mobile") and rng.random() < 0.8
        self.https = self.browser and rng.random() < 0.5
        self.cache = self.os in ("win", "mac", "mobile") or rng.random() < 0.4
        self.search = self.os in ("win", "linux", "mac", "k8s")
        self.activity = rng.lognormvariate(0, 0.7) * (0.25 if self.os in ("server", "k8s") else 1)
        # dig options: the EDNS style a stub of this kind sends.
        self.opts = rng.choice({"win": ["+noedns"], "mac": ["+bufsize=1232 +noednsneg"],
                                "linux": ["+noedns", "+bufsize=1200 +noednsneg"],
                                "mobile": ["+bufsize=1232 +noednsneg", "+noedns"],
                                "server": ["+bufsize=1232 +noednsneg", "+bufsize=4096 +noednsneg"],
                                "k8s": ["+bufsize=1232 +noednsneg"]}[self.os])
        self.opts += " +nocookie " + ("+adflag" if rng.random() < 0.2 else "+noadflag")
        self.hostname = f"{'ws' if self.os != 'server' else 'srv'}-{split[:2]}{i:03d}.{INTERNAL}"


def build_plan(u, split, n_clients, minutes, rng, sites_for_split, rate):
    dur = minutes * 60
    out = []  # (t, addr, qname, qtype, opts)
    population = []
    # Zipf popularity over the split's sites; a per-client personal tail.
    sites = sites_for_split
    zipf = [1 / (r + 1) ** 0.95 for r in range(len(sites))]
    for i in range(n_clients):
        c = Client(rng, split, i, u)
        population.append(c)
        start = rng.uniform(0, dur * 0.4) if rng.random() < 0.3 else 0
        end = dur - (rng.uniform(0, dur * 0.4) if rng.random() < 0.2 else 0)
        cache = {}
        personal = rng.sample(sites, 60)
        favourite = rng.choices(sites, zipf, k=12)

        def q(t, name, qtype):
            if t < start or t >= end:
                return
            key = (name, qtype)
            if c.cache and cache.get(key, -1) > t:
                return
            info = u.hosts.get(name)
            ttl = info["ttl"] if info else 300
            cache[key] = t + (min(ttl, 86400) if info else 300)
            out.append((t, c.addr, name, qtype, c.opts))

        def lookup(t, name, https=False, dual=True):
            q(t, name, "A")
            if dual:
                q(t + rng.uniform(0, 0.002), name, "AAAA")
            if https:
                q(t + rng.uniform(0, 0.003), name, "HTTPS")

        def resolve_search(t, name, exists):
            """A name as the stub's search list treats it."""
            if c.os == "k8s":
                for s in ("svc." + INTERNAL, INTERNAL):
                    lookup(t, f"{name}.{s}", dual=True)
                    t += 0.003
                lookup(t, name)
                return
            lookup(t, name, https=c.https)
            if not exists and c.search:
                lookup(t + 0.02, f"{name}.{INTERNAL}")

        osk = c.os if c.os in ("win", "mac", "linux", "mobile") else "linux"
        # Start-up: connectivity check, time, domain controller discovery.
        t0 = start + rng.uniform(0, 20)
        for n in WELL_KNOWN["connect"][osk]:
            lookup(t0, n, dual=c.os != "linux")
        if c.os == "win":
            q(t0 + 0.5, f"_ldap._tcp.dc._msdcs.{INTERNAL}", "SRV")
            q(t0 + 0.6, f"_ldap._tcp.hq._sites.dc._msdcs.{INTERNAL}", "SRV")
            q(t0 + 0.7, f"_kerberos._tcp.{INTERNAL}", "SRV")
            lookup(t0 + 0.8, f"dc01.{INTERNAL}")
            q(t0 + 1.2, c.hostname, "SOA")
            if rng.random() < 0.5:
                q(t0 + 1.3, "_dns.resolver.arpa", "SVCB")
        # Background timers: each name every period (at least the stub's TTL).
        bg = []
        bg += [(n, rng.uniform(600, 1200), False) for n in WELL_KNOWN["ntp"][osk][:2]]
        bg += [(n, rng.uniform(120, 900), True) for n in rng.sample(WELL_KNOWN["os"][osk], min(4, len(WELL_KNOWN["os"][osk])))]
        if c.os not in ("server", "k8s"):
            bg += [(n, rng.uniform(60, 600), True) for n in rng.sample(WELL_KNOWN["apps"], rng.randrange(3, 9))]
            bg += [(n, rng.uniform(300, 1500), True) for n in rng.sample(u.internal_hosts, 3)]
            if c.os == "win":
                bg.append(("wpad." + INTERNAL, rng.uniform(600, 1800), False))
        else:
            bg += [(n, rng.uniform(120, 600), True) for n in rng.sample(u.internal_hosts, 3)]
            bg += [(n, rng.uniform(300, 900), True) for n in rng.sample(WELL_KNOWN["apps"], 2)]
        for name, period, dual in bg:
            t = start + rng.uniform(0, period)
            while t < end:
                if name.startswith("wpad."):
                    lookup(t, name, dual=False)
                elif c.os == "k8s":
                    resolve_search(t, name, True)
                else:
                    lookup(t, name, dual=dual)
                t += period * rng.uniform(0.8, 1.2)
        # Browsing sessions: Poisson visits at the client's activity rate.
        if c.browser:
            t = start + rng.expovariate(rate * c.activity / 45)
            while t < end:
                r = rng.random()
                site = rng.choice(personal) if r < 0.45 else rng.choice(favourite) if r < 0.65 else rng.choices(sites, zipf)[0]
                info = u.site_info[site]
                typo = rng.random() < 0.012
                if typo:
                    lab, rest = site.split(".", 1)
                    k = rng.randrange(len(lab))
                    lab = lab[:k] + lab[k + 1:] if rng.random() < 0.5 else lab[:k] + lab[k] + lab[k:]
                    bad = f"{lab}.{rest}"
                    if bad not in u.zones and regdom(bad) not in u.zones:
                        resolve_search(t, ("www." if rng.random() < 0.5 else "") + bad, False)
                else:
                    resolve_search(t, info["main"], True)
                    tt = t + rng.uniform(0.05, 0.4)
                    for s in rng.sample(info["subs"], min(len(info["subs"]), rng.randrange(0, 2))):
                        lookup(tt, s, https=c.https)
                        tt += rng.uniform(0.01, 0.2)
                    for h in info["third"]:
                        if rng.random() < 0.7:
                            lookup(tt, h, https=c.https)
                            tt += rng.uniform(0.01, 0.3)
                t += rng.expovariate(rate * c.activity / 45) + rng.uniform(2, 10)
        # Occasional PTR, MX, TXT.
        n_ptr = rng.randrange(0, 3) if c.os not in ("server",) else int(dur / 20)
        for _ in range(n_ptr):
            a, _n = rng.choice(u.ptr4) if rng.random() < 0.7 else (f"10.77.{rng.randrange(8, 18)}.{rng.randrange(1, 250)}", "")
            o = a.split(".")
            q(rng.uniform(start, end), f"{o[3]}.{o[2]}.{o[1]}.{o[0]}.in-addr.arpa", "PTR")
        if c.os == "server":
            for _ in range(int(dur / 45)):
                d = rng.choice(sites)
                t = rng.uniform(start, end)
                q(t, d, "MX")
                q(t + 0.01, d, "TXT")
                q(t + 0.02, "_dmarc." + d, "TXT")
        elif rng.random() < 0.1:
            q(rng.uniform(start, end), rng.choice(sites), rng.choice(["MX", "TXT", "NS"]))
    out.sort()
    return out, population


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--domains", type=int, default=3200)
    ap.add_argument("--clients", type=int, default=320)
    ap.add_argument("--minutes", type=int, default=25)
    ap.add_argument("--chunks", type=int, default=3)
    ap.add_argument("--rate", type=float, default=0.55, help="browsing-rate multiplier")
    a = ap.parse_args()
    rng = random.Random(20240312)
    os.makedirs(a.outdir, exist_ok=True)
    wl = words()
    u = Universe(a.domains, rng, wl)
    # Third parties per site: ad/analytics/CDN hosts loaded with its pages.
    wk_third = WELL_KNOWN["thirdparty"]
    for rd in u.sites:
        info = u.site_info[rd]
        info["third"] = rng.sample(wk_third, rng.randrange(0, 4)) + [rng.choice(rng.choice(u.adtech)) for _ in range(rng.randrange(0, 2))]
    # Splits: held-out sites exist for the test split only.
    sites = sorted(u.sites)
    srng = random.Random(7)
    srng.shuffle(sites)
    held = set(sites[: len(sites) // 10])
    train_sites = [s for s in sites if s not in held]
    summary = [f"sites={len(u.sites)} adtech={len(u.adtech)} held_out={len(held)}"]
    for split, seed in (("train", 101), ("test", 202)):
        prng = random.Random(seed)
        pool = train_sites if split == "train" else sites
        pool = sorted(pool, key=lambda s: prng.random())  # split-specific popularity order
        plan, population = build_plan(u, split, a.clients, a.minutes, prng, pool, a.rate)
        # Clients registered their own names (and IPv4 PTRs) in the site zone.
        for c in population:
            rel = c.hostname[: -len(INTERNAL) - 1]
            if ":" in c.addr:
                u.zones[INTERNAL].add(rel, 1200, "AAAA", c.addr)
            else:
                o = c.addr.split(".")
                u.zones[INTERNAL].add(rel, 1200, "A", c.addr)
                u.zones["77.10.in-addr.arpa"].add(f"{o[3]}.{o[2]}", 1200, "PTR", c.hostname + ".")
        with open(f"{a.outdir}/plan-{split}.tsv", "w") as f:
            for t, addr, name, qt, opts in plan:
                f.write(f"{t:.6f}\t{addr}\t{name}\t{qt}\t{opts}\n")
        # Sender chunks by client, each in planned-time order.
        chunks = [open(f"{a.outdir}/batch-{split}-{k}.txt", "w") for k in range(a.chunks)]
        clients = sorted({p[1] for p in plan})
        # dig -f stalls when one batch mixes -b addresses of both families:
        # IPv6 clients get a sender of their own.
        v4 = [c for c in clients if ":" not in c]
        ck = {c: i % (a.chunks - 1) for i, c in enumerate(v4)}
        ck.update({c: a.chunks - 1 for c in clients if ":" in c})
        for t, addr, name, qt, opts in plan:
            srv = RESOLVER6 if ":" in addr else RESOLVER4
            chunks[ck[addr]].write(f"-b {addr} @{srv} {name} {qt} {opts}\n")
        for f in chunks:
            f.close()
        wins = {(addr, regdom(name) if not name.endswith(".arpa") else ".".join(name.split(".")[-4:]), int(t // 60)) for t, addr, name, _, _ in plan}
        summary.append(f"{split}: queries={len(plan)} clients={len(clients)} windows~{len(wins)}")
    os.makedirs(f"{a.outdir}/nsd", exist_ok=True)
    os.makedirs(f"{a.outdir}/knot", exist_ok=True)
    nsd_conf, knot_conf = [], []
    for origin, z in sorted(u.zones.items()):
        fn = (origin or "root") + ".zone"
        with open(f"{a.outdir}/{z.server}/{fn}", "w") as f:
            f.write(z.text())
        if z.server == "nsd":
            nsd_conf.append(f'zone:\n    name: "{origin or "."}"\n    zonefile: "{fn}"\n')
        else:
            knot_conf.append(f"  - domain: {origin}\n    file: \"{fn}\"\n")
    open(f"{a.outdir}/nsd-zones.conf", "w").write("".join(nsd_conf))
    open(f"{a.outdir}/knot-zones.conf", "w").write("".join(knot_conf))
    summary.append(f"zones nsd={len(nsd_conf)} knot={len(knot_conf)}")
    open(f"{a.outdir}/summary.txt", "w").write("\n".join(summary) + "\n")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
