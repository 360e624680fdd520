// Command geo converts the ip-location-db country and ASN packages into
// antidote's embedded dataset (internal/geo/data/geo.dat) and writes the
// attribution the licences require beside it (data/LICENSE). update.sh
// fetches the pinned packages and runs it; it is rerunnable and its output
// is deterministic for the same input.
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"antidote/internal/geo"
)

func main() {
	country := flag.String("country", "", "directory of the unpacked @ip-location-db/dbip-country package")
	asn := flag.String("asn", "", "directory of the unpacked @ip-location-db/asn package")
	out := flag.String("out", "internal/geo/data", "output directory for geo.dat and LICENSE")
	flag.Parse()
	if *country == "" || *asn == "" {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/geo -country DIR -asn DIR [-out DIR]")
		os.Exit(2)
	}
	if err := convert(*country, *asn, *out); err != nil {
		fmt.Fprintln(os.Stderr, "geo:", err)
		os.Exit(1)
	}
}

func convert(countryDir, asnDir, outDir string) error {
	cver, err := pkgVersion(countryDir)
	if err != nil {
		return err
	}
	aver, err := pkgVersion(asnDir)
	if err != nil {
		return err
	}
	var d geo.Data
	for _, f := range []string{"dbip-country-ipv4.csv", "dbip-country-ipv6.csv"} {
		err := readCSV(filepath.Join(countryDir, f), 3, func(rec []string) error {
			first, last, err := addrs(rec)
			if err != nil {
				return err
			}
			d.Countries = append(d.Countries, geo.CountryRange{First: first, Last: last, Country: rec[2]})
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, f := range []string{"asn-ipv4.csv", "asn-ipv6.csv"} {
		err := readCSV(filepath.Join(asnDir, f), 4, func(rec []string) error {
			first, last, err := addrs(rec)
			if err != nil {
				return err
			}
			n, err := strconv.ParseUint(rec[2], 10, 32)
			if err != nil {
				return fmt.Errorf("bad ASN %q", rec[2])
			}
			if n == 0 {
				return nil
			}
			d.ASNs = append(d.ASNs, geo.ASNRange{First: first, Last: last, ASN: uint32(n), Org: strings.TrimSpace(rec[3])})
			return nil
		})
		if err != nil {
			return err
		}
	}
	d.Attribution = attribution(cver, aver)
	var buf bytes.Buffer
	if err := geo.Encode(&buf, d); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, "geo.dat"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	lic := licence(d.Attribution, countryDir, asnDir)
	if err := os.WriteFile(filepath.Join(outDir, "LICENSE"), []byte(lic), 0o644); err != nil {
		return err
	}
	fmt.Printf("geo.dat: %d bytes from %d country and %d ASN ranges\n", buf.Len(), len(d.Countries), len(d.ASNs))
	return nil
}

func pkgVersion(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return "", err
	}
	var p struct{ Name, Version string }
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("%s: %w", dir, err)
	}
	return p.Name + "@" + p.Version, nil
}

func readCSV(path string, fields int, fn func([]string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = fields
	r.ReuseRecord = true
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := fn(rec); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
}

func addrs(rec []string) (netip.Addr, netip.Addr, error) {
	first, err := netip.ParseAddr(rec[0])
	if err != nil {
		return first, first, err
	}
	last, err := netip.ParseAddr(rec[1])
	return first, last, err
}

func attribution(countryPkg, asnPkg string) string {
	return "Country data: IP to Country Lite by DB-IP (https://db-ip.com), CC BY 4.0, " +
		"via " + countryPkg + ". " +
		"ASN data: RouteViews (https://www.routeviews.org), NRO RIR statistics (https://www.nro.net) " +
		"and IP to ASN Lite by DB-IP (https://db-ip.com), CC BY 4.0, merged by ip-location-db " +
		"(https://github.com/sapics/ip-location-db) via " + asnPkg + ". " +
		"Converted by antidote (scripts/geo): ranges re-encoded, adjacent equal ranges merged, " +
		"overlaps resolved in favour of the earlier range, one organisation name per ASN."
}

func licence(attr, countryDir, asnDir string) string {
	var b strings.Builder
	b.WriteString("geo.dat is a derived database. Attribution (CC BY 4.0, https://creativecommons.org/licenses/by/4.0/):\n\n")
	b.WriteString(attr)
	b.WriteString("\n\nThe licence notices shipped with the source packages follow.\n")
	for _, f := range []struct{ pkg, dir, name string }{
		{"dbip-country", countryDir, "DBIP-LICENSE"},
		{"asn", asnDir, "ROUTEVIEWS-LICENSE"},
		{"asn", asnDir, "NRO_LICENSE"},
		{"asn", asnDir, "DBIP-LICENSE"},
		{"asn", asnDir, "MODIFICATIONS"},
	} {
		c, err := os.ReadFile(filepath.Join(f.dir, f.name))
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "\n--- %s from @ip-location-db/%s\n%s\n", f.name, f.pkg, strings.TrimSpace(string(c)))
	}
	return b.String()
}
