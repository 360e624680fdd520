package synth

// Word lists the generator draws from. The names are common given names and
// surnames combined at random; no combination is meant to denote anyone.

var firstNames = []string{
	"Aaron", "Abigail", "Adrian", "Alison", "Amos", "Andrea", "Arthur", "Beatrice",
	"Bernard", "Bridget", "Calvin", "Camille", "Cedric", "Clara", "Cyrus", "Daphne",
	"Declan", "Delia", "Dorian", "Edith", "Elliot", "Esther", "Felix", "Fiona",
	"Gideon", "Greta", "Harvey", "Helena", "Hugo", "Imogen", "Ivan", "Josephine",
	"Jonah", "Judith", "Kendall", "Lara", "Leopold", "Lydia", "Malcolm", "Marisol",
	"Milo", "Nadia", "Nolan", "Odette", "Oscar", "Pauline", "Quentin", "Rosalind",
	"Rufus", "Sabrina", "Silas", "Tabitha", "Theodore", "Ursula", "Vaughn", "Vera",
	"Wendell", "Winifred", "Xavier", "Yvonne", "Zachary", "Zelda",
}

var lastNames = []string{
	"Abernathy", "Ashcombe", "Bancroft", "Blackwood", "Brannigan", "Calloway", "Carraway",
	"Castellan", "Delacroix", "Dunmore", "Ellsworth", "Fairbanks", "Fenwick", "Galloway",
	"Garroway", "Hargreave", "Hollister", "Ingersoll", "Jessop", "Kettleby", "Lachlan",
	"Langford", "Marchetti", "Merriweather", "Northcott", "Okonkwo", "Ormsby", "Pemberton",
	"Quarles", "Ravensworth", "Redgrave", "Salcedo", "Sandoval", "Thackeray", "Underhill",
	"Vandermeer", "Wainwright", "Whitlock", "Yarborough", "Zabinski", "Achterberg",
	"Bellweather", "Cromarty", "Drummond", "Esterhazy", "Fitzgerald", "Goldthwaite",
	"Haverford", "Kowalczyk", "Lindqvist", "Montague", "Nakamura", "Oyelaran", "Prendergast",
}

var staffDomains = []string{"edg.ddi.example", "ddi.example", "osb.ddi.example"}

var outsideDomains = []string{"mail.example.com", "example.org", "contractor.example.net", "relay.test", "psirt.example.com", "devices.example"}

var mailboxes = []string{"ops", "lp-admin", "noc", "ticketing", "psirt", "build", "k.moss", "j.renner", "support", "secops", "rd-team", "tasking"}

var branches = []string{
	"Embedded Devices Branch", "Mobile Devices Branch", "Remote Development Branch",
	"Network Devices Branch", "Operational Support Branch", "Automated Implant Branch",
	"Applied Engineering Division",
}

var codeAdjectives = []string{
	"AMBER", "BRASS", "CEDAR", "COBALT", "DUSK", "EMBER", "FROST", "GRANITE", "HOLLOW",
	"IVORY", "JUNIPER", "LINEN", "MARSH", "NETTLE", "OBSIDIAN", "PEWTER", "QUILL",
	"RUSSET", "SABLE", "TIMBER", "UMBER", "VELVET", "WILLOW", "ZINC",
}

var codeNouns = []string{
	"HERON", "LANTERN", "FERN", "BADGER", "ORCHARD", "KESTREL", "FOUNDRY", "MARTEN",
	"SPINDLE", "HARBOR", "CINDER", "THISTLE", "GLACIER", "PLOVER", "RAVINE", "SPARROW",
	"TANNERY", "WREN",
}

var pwWords = []string{"Harbor", "Kestrel", "Sp1ndle", "Orchard", "Lantern", "Granite", "Thistle", "W1ll0w", "Cinder", "Marsh"}

var capabilities = []string{
	"remote code execution", "local privilege escalation", "sandbox escape",
	"kernel read/write primitive", "persistence across reboots", "persistence across firmware updates",
	"remote code execution without user interaction", "root privilege escalation",
	"an ASLR bypass", "code signing bypass",
}

var bugClasses = []string{
	"use-after-free", "heap overflow", "type confusion", "integer overflow",
	"race condition", "stack buffer overflow", "out-of-bounds write", "logic flaw",
	"uninitialized memory read", "double free",
}

var statuses = []string{"Operational", "In development", "Testing", "Burned (patched)", "Retired", "Delivered to OSB"}

var sources = []string{"developed in-house", "purchased from a partner", "obtained from a liaison service", "adapted from a public proof of concept", "shared by a contractor"}

var monthsList = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

var sections = []struct{ Name, Sub string }{
	{"Tools", "Implants"},
	{"Tools", "Loaders"},
	{"Exploits", "Mobile"},
	{"Exploits", "Desktop"},
	{"Exploits", "Network Devices"},
	{"Embedded Devices Branch", "Smart TVs"},
	{"Embedded Devices Branch", "Vehicle Systems"},
	{"Mobile Devices Branch", "Android"},
	{"Mobile Devices Branch", "iOS"},
	{"Operational Support Branch", "Field Notes"},
	{"Lab Infrastructure", "Test Range"},
	{"Meeting Notes", "2016"},
}

// product is a family of products an exploit page can describe.
type product struct {
	Family     string
	Ranges     []string // version ranges as written in the pages
	Components []string
	Devices    []string
}

var productList = []product{
	{"Apple iOS", []string{"iOS 9.0 through 9.3.2", "iOS 8.1 through 8.4.1", "iOS 10.0 through 10.1.1"},
		[]string{"WebKit", "IOKit", "the XNU kernel", "JavaScriptCore", "the iMessage attachment parser"},
		[]string{"iPhone 6s", "iPhone 5c", "iPad Air 2", "iPhone SE"}},
	{"Android (Samsung)", []string{"Android 5.0 through 6.0.1 on Galaxy S6 and S7", "Android 4.4.2 through 5.1.1 on Galaxy Note 4"},
		[]string{"the Stagefright media server", "the Exynos GPU driver", "Samsung KNOX", "the SecEmailUI provider"},
		[]string{"Galaxy S6 (SM-G920F)", "Galaxy S7 (SM-G930F)", "Galaxy Note 4"}},
	{"Android (Xiaomi)", []string{"MIUI 7 on Android 5.1 through 6.0", "MIUI 8.0 through 8.2 on Android 6.0.1"},
		[]string{"the Qualcomm MSM camera driver", "the MIUI updater service", "the Bluetooth stack"},
		[]string{"Redmi Note 3", "Mi 5", "Mi 4c"}},
	{"Samsung Smart TV", []string{"F-series firmware 1111 through 1118", "H-series firmware 1250 through 1270"},
		[]string{"the Tizen web runtime", "the voice recognition service", "USB firmware update handling"},
		[]string{"UN55F8000", "UN46F7500", "UN60H7150"}},
	{"Microsoft Windows", []string{"Windows 7 SP1 through Windows 10 version 1607", "Windows XP SP3 through Windows 8.1"},
		[]string{"win32k.sys", "the SMBv1 server", "LNK shortcut handling", "the Print Spooler"},
		[]string{"Dell OptiPlex 7010", "Lenovo ThinkPad T450", "HP EliteBook 840"}},
	{"Apple macOS", []string{"OS X 10.10 through macOS 10.12.1", "OS X 10.9 through 10.11.6"},
		[]string{"EFI firmware", "IOHIDFamily", "launchd", "the Thunderbolt option ROM loader"},
		[]string{"MacBook Air (2015)", "MacBook Pro (Retina, 2014)", "Mac mini (2014)"}},
	{"Linux", []string{"Linux kernel 3.10 through 4.8", "Linux kernel 2.6.32 through 3.16"},
		[]string{"netfilter", "perf_event", "overlayfs", "the futex subsystem"},
		[]string{"CentOS 7 server", "Debian 8 appliance", "Ubuntu 14.04 desktop"}},
	{"Google Chrome", []string{"Chrome 48 through 53", "Chrome 44 through 47"},
		[]string{"the V8 JIT", "PDFium", "Blink", "Mojo IPC"},
		[]string{"Chrome on Windows 10", "Chrome on Android 6.0", "Chromebook (ARM)"}},
	{"Cisco IOS", []string{"Cisco IOS 12.2 through 15.1 on Catalyst 2960", "Cisco IOS XE 3.2 through 3.7"},
		[]string{"the cluster management protocol (CMP)", "the SNMP agent", "the HTTP server"},
		[]string{"Catalyst 2960-S", "ISR 2911", "ASR 1001"}},
	{"MikroTik RouterOS", []string{"RouterOS 6.29 through 6.38", "RouterOS 6.0 through 6.28"},
		[]string{"the Winbox service", "the www service", "the SMB service"},
		[]string{"RB951G-2HnD", "hAP ac lite", "CCR1036-12G-4S"}},
	{"Vehicle infotainment", []string{"QNX 6.5 head units, model years 2014 through 2016", "telematics units with firmware 3.1 through 3.4"},
		[]string{"the CAN gateway", "the Bluetooth stack", "the telematics unit", "the media player"},
		[]string{"2015 sedan head unit", "2016 SUV telematics module", "2014 compact infotainment unit"}},
}
