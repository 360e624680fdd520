#!/bin/sh
# Regenerates internal/geo/data/geo.dat and its LICENSE from pinned
# ip-location-db packages fetched through the npm registry. Run from the
# repository root: scripts/geo/update.sh
#
# To move to newer data, change the versions and checksums below (npm view
# PACKAGE version; sha256sum of the packed .tgz), run the script, run
# go test ./internal/geo/ and commit the three files it touches.
set -eu

COUNTRY_PKG=@ip-location-db/dbip-country
COUNTRY_VER=2.3.2026060120
COUNTRY_SHA256=78a6009a9c18434e6b690d703431241900d6127ddcd7c26ed48852549ee0df4f
ASN_PKG=@ip-location-db/asn
ASN_VER=2.3.2026061719
ASN_SHA256=b9425daf2f011c28f8586685d4f89166e77627e2c15fd93c6262c3e2dead6153

root=$(pwd)
test -f "$root/go.mod" || { echo "run from the repository root" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "$COUNTRY_PKG@$COUNTRY_VER" "$ASN_PKG@$ASN_VER" >/dev/null)
check() {
	got=$(sha256sum "$1" | cut -d' ' -f1)
	if [ "$got" != "$2" ]; then
		echo "checksum mismatch for $1: got $got, want $2" >&2
		exit 1
	fi
}
check "$tmp/ip-location-db-dbip-country-$COUNTRY_VER.tgz" "$COUNTRY_SHA256"
check "$tmp/ip-location-db-asn-$ASN_VER.tgz" "$ASN_SHA256"
mkdir "$tmp/country" "$tmp/asn"
tar -xzf "$tmp/ip-location-db-dbip-country-$COUNTRY_VER.tgz" -C "$tmp/country"
tar -xzf "$tmp/ip-location-db-asn-$ASN_VER.tgz" -C "$tmp/asn"

go run ./scripts/geo \
	-country "$tmp/country/package" \
	-asn "$tmp/asn/package" \
	-out internal/geo/data
