import { forwardingFact } from "./ip-forward.ts";

/** IPv6 forwarding (net.ipv6.conf.all.forwarding), read as ip-forward.ts reads IPv4's. */
export const ip6Forward = forwardingFact("ip6-forward", "net.ipv6.conf.all.forwarding");
