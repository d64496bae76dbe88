/**
 * The OpenRC service wgsite installs where the system has none (Debian's and Gentoo's wireguard-tools
 * ship no OpenRC script; Alpine's wireguard-tools-openrc does). It is Alpine's script in shape:
 * /etc/init.d/wg-quick, started per interface through a `wg-quick.<if>` symlink, so a gateway that
 * later gets the distribution's own script behaves the same.
 */
export const OPENRC_SCRIPT_PATH = "/etc/init.d/wg-quick";

/** Marks the script as wgsite's, so `remove` and a later run know it is theirs to replace or delete. */
export const OPENRC_SCRIPT_MARK = "# managed by wgsite";

/**
 * Soft dependencies (`use`) where Alpine's script has `need localmount net`: Debian's OpenRC mounts
 * with its own LSB scripts and has no `localmount` service, and no `net` unless ifupdown provides it;
 * a hard dependency on either refuses to start the tunnel ("needs non existent service").
 */
export function openrcServiceScript(): string {
  return `#!/sbin/openrc-run
${OPENRC_SCRIPT_MARK}: wg-quick as an OpenRC service (as Alpine's wireguard-tools-openrc ships it).
# Start one tunnel per interface through a symlink: ln -s wg-quick /etc/init.d/wg-quick.wg0

description="WireGuard tunnel with wg-quick"

VPN="\${RC_SVCNAME#*.}"

depend() {
	use localmount net dns
	after bootmisc firewall
}

checkconfig() {
	if [ "$VPN" = "$RC_SVCNAME" ]; then
		eerror "Start a tunnel through a symlink named after its interface: ln -s wg-quick /etc/init.d/wg-quick.wg0"
		return 1
	fi
	return 0
}

start() {
	checkconfig || return 1
	ebegin "Starting WireGuard interface $VPN"
	wg-quick up "$VPN"
	eend $? "Failed to start WireGuard interface $VPN"
}

stop() {
	checkconfig || return 1
	ebegin "Stopping WireGuard interface $VPN"
	wg-quick down "$VPN"
	eend $? "Failed to stop WireGuard interface $VPN"
}
`;
}
