package cases

import (
	"errors"
	"fmt"
	"strings"
)

// DeviceClass groups products by how fixes reach users, which decides the
// embargo. The list is extensible: any lower-case name is accepted.
type DeviceClass string

// Device classes with defaults in DefaultPolicy.
const (
	PhoneOS          DeviceClass = "phone-os"
	DesktopOS        DeviceClass = "desktop-os"
	Browser          DeviceClass = "browser"
	SmartTVIoT       DeviceClass = "smart-tv/iot"
	Vehicle          DeviceClass = "vehicle"
	NetworkEquipment DeviceClass = "network-equipment"
	ServerSoftware   DeviceClass = "server-software"
)

// ParseDeviceClass accepts a known class or a new one spelled in lower
// case letters, digits, '-' and '/'.
func ParseDeviceClass(s string) (DeviceClass, error) {
	c := strings.ToLower(strings.TrimSpace(s))
	if c == "" || len(c) > 40 {
		return "", errors.New("device class must be 1 to 40 characters (e.g. phone-os, smart-tv/iot)")
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '/') {
			return "", fmt.Errorf("device class %q: use lower-case letters, digits, '-' and '/'", clip(s))
		}
	}
	return DeviceClass(c), nil
}

// Product is something a vendor makes. Downstream lists the vendors that
// ship it to users (Android through Samsung, Xiaomi, ...): where it is set,
// a fix counts only once each downstream maker has deployed it.
type Product struct {
	ID         int64       `json:"id"`
	Vendor     int64       `json:"vendor"`
	Name       string      `json:"name"`
	Class      DeviceClass `json:"class"`
	CPE        string      `json:"cpe,omitempty"`
	PURL       string      `json:"purl,omitempty"`
	Downstream []int64     `json:"downstream,omitempty"`
	// Unauthentic: the stored product (vendor, class, downstream makers)
	// fails authentication; the gate then releases nothing.
	Unauthentic bool `json:"-"`
}

// Validate checks a product's fields.
func (p *Product) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || len(p.Name) > 100 || strings.ContainsAny(p.Name, "\n\r\t") {
		return errors.New("product needs a name of one line, at most 100 bytes")
	}
	if p.Vendor <= 0 {
		return errors.New("product needs a vendor")
	}
	c, err := ParseDeviceClass(string(p.Class))
	if err != nil {
		return err
	}
	p.Class = c
	for _, d := range p.Downstream {
		if d == p.Vendor {
			return errors.New("a product's own vendor cannot be its downstream maker")
		}
	}
	return nil
}
