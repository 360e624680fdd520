package extract

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode/utf32"
)

// leakTexts are news-style paragraphs, one per language, of the kind a
// leak holds.
var leakTexts = map[string]string{
	"ru": "Вчера вечером в министерстве состоялось совещание, на котором обсуждались итоги проверки. По словам источника, документы были переданы журналистам без разрешения руководства. Сотрудники отдела безопасности утверждают, что утечка произошла из-за ошибки в настройках сервера, который хранил резервные копии переписки.",
	"uk": "Учора ввечері в міністерстві відбулася нарада, на якій обговорювали результати перевірки. За словами джерела, документи були передані журналістам без дозволу керівництва. Працівники відділу безпеки стверджують, що витік стався через помилку в налаштуваннях сервера, який зберігав резервні копії листування.",
	"bg": "Министерството на вътрешните работи съобщи, че разследването продължава. Според източници документите са били изнесени от служител, който е имал достъп до сървъра с архивите на кореспонденцията. Прокуратурата отказа коментар.",
	"sr": "Јуче увече у министарству је одржан састанак на коме су разматрани резултати провере. Према речима извора, документи су новинарима предати без дозволе руководства. Запослени у одељењу безбедности тврде да је до цурења дошло због грешке у подешавањима сервера.",
	"el": "Χθες το βράδυ πραγματοποιήθηκε σύσκεψη στο υπουργείο, όπου συζητήθηκαν τα αποτελέσματα του ελέγχου. Σύμφωνα με πηγή, τα έγγραφα διέρρευσαν στους δημοσιογράφους χωρίς την άδεια της διοίκησης. Οι υπάλληλοι του τμήματος ασφαλείας υποστηρίζουν ότι η διαρροή οφείλεται σε λάθος ρύθμιση του διακομιστή.",
	"he": "אתמול בערב התקיימה ישיבה במשרד, שבה נדונו תוצאות הבדיקה. לדברי מקור, המסמכים הועברו לעיתונאים ללא אישור ההנהלה. עובדי מחלקת האבטחה טוענים כי הדליפה נגרמה בשל טעות בהגדרות השרת ששמר את גיבויי ההתכתבות.",
	"ar": "عقد مساء أمس اجتماع في الوزارة نوقشت فيه نتائج التفتيش. ووفقا لمصدر، فإن الوثائق سلمت إلى الصحفيين دون إذن من الإدارة. ويؤكد موظفو قسم الأمن أن التسريب حدث بسبب خطأ في إعدادات الخادم الذي كان يحفظ النسخ الاحتياطية للمراسلات.",
	"pl": "Wczoraj wieczorem w ministerstwie odbyło się spotkanie, na którym omówiono wyniki kontroli. Według źródła dokumenty zostały przekazane dziennikarzom bez zgody kierownictwa. Pracownicy działu bezpieczeństwa twierdzą, że wyciek nastąpił z powodu błędu w konfiguracji serwera, który przechowywał kopie zapasowe korespondencji.",
	"cs": "Včera večer se na ministerstvu konala schůzka, na které se projednávaly výsledky kontroly. Podle zdroje byly dokumenty předány novinářům bez souhlasu vedení. Zaměstnanci bezpečnostního oddělení tvrdí, že k úniku došlo kvůli chybě v nastavení serveru, který uchovával záložní kopie korespondence.",
	"sk": "Včera večer sa na ministerstve konala porada, na ktorej sa prerokovali výsledky kontroly. Podľa zdroja boli dokumenty odovzdané novinárom bez súhlasu vedenia. Zamestnanci bezpečnostného oddelenia tvrdia, že k úniku došlo pre chybu v nastavení servera.",
	"hu": "Tegnap este a minisztériumban megbeszélést tartottak, amelyen az ellenőrzés eredményeit vitatták meg. Egy forrás szerint a dokumentumokat a vezetőség engedélye nélkül adták át az újságíróknak. A biztonsági osztály munkatársai szerint a szivárgást a levelezés biztonsági másolatait tároló szerver hibás beállítása okozta.",
	"hr": "Jučer navečer u ministarstvu je održan sastanak na kojem su razmatrani rezultati provjere. Prema riječima izvora, dokumenti su novinarima predani bez dopuštenja uprave. Zaposlenici odjela sigurnosti tvrde da je do curenja došlo zbog pogreške u postavkama poslužitelja.",
	"ro": "Aseară, la minister a avut loc o ședință în care au fost discutate rezultatele controlului. Potrivit unei surse, documentele au fost predate jurnaliștilor fără acordul conducerii. Angajații departamentului de securitate susțin că scurgerea s-a produs din cauza unei erori în configurarea serverului.",
	// Romanian as windows-1250 writes it, with cedillas for commas.
	"ro-cedilla": "Aseară, la minister a avut loc o şedinţă în care au fost discutate rezultatele controlului. Potrivit unei surse, documentele au fost predate jurnaliştilor fără acordul conducerii. Angajaţii departamentului de securitate susţin că scurgerea s-a produs din cauza unei erori în configurarea serverului.",
	"tr":         "Dün akşam bakanlıkta denetimin sonuçlarının görüşüldüğü bir toplantı yapıldı. Bir kaynağa göre belgeler yönetimin izni olmadan gazetecilere verildi. Güvenlik departmanı çalışanları, sızıntının yazışmaların yedeklerini saklayan sunucunun ayarlarındaki bir hatadan kaynaklandığını söylüyor.",
	"lt":         "Vakar vakare ministerijoje įvyko pasitarimas, kuriame buvo aptarti patikrinimo rezultatai. Pasak šaltinio, dokumentai buvo perduoti žurnalistams be vadovybės leidimo. Saugumo skyriaus darbuotojai tvirtina, kad nutekėjimas įvyko dėl klaidos serverio nustatymuose.",
	"lv":         "Vakar vakarā ministrijā notika sanāksme, kurā tika apspriesti pārbaudes rezultāti. Saskaņā ar avota teikto dokumenti tika nodoti žurnālistiem bez vadības atļaujas. Drošības nodaļas darbinieki apgalvo, ka noplūde notikusi kļūdas dēļ servera iestatījumos.",
	"et":         "Eile õhtul toimus ministeeriumis nõupidamine, kus arutati kontrolli tulemusi. Allika sõnul anti dokumendid ajakirjanikele üle ilma juhtkonna loata. Turvaosakonna töötajad väidavad, et leke tekkis serveri seadistuse vea tõttu.",
	"de":         "Gestern Abend fand im Ministerium eine Besprechung statt, bei der die Ergebnisse der Prüfung erörtert wurden. Laut einer Quelle wurden die Unterlagen ohne Genehmigung der Geschäftsführung an Journalisten weitergegeben. Mitarbeiter der Sicherheitsabteilung behaupten, das Leck sei durch einen Fehler in den Servereinstellungen entstanden – „ärgerlich“, sagte er.",
	"fr":         "Hier soir, une réunion s'est tenue au ministère, au cours de laquelle les résultats de l'inspection ont été examinés. Selon une source, les documents ont été transmis aux journalistes sans l'accord de la direction. Les employés du service de sécurité affirment que la fuite est due à une erreur de configuration du serveur… « c'est grave », a-t-il déclaré.",
	"es":         "Anoche se celebró una reunión en el ministerio en la que se discutieron los resultados de la inspección. Según una fuente, los documentos fueron entregados a los periodistas sin la autorización de la dirección. ¿Quién filtró la información? Nadie lo sabe todavía, señaló el portavoz.",
	"pt":         "Ontem à noite, realizou-se no ministério uma reunião em que foram discutidos os resultados da inspeção. Segundo uma fonte, os documentos foram entregues aos jornalistas sem a autorização da direção. Os funcionários do departamento de segurança afirmam que a fuga de informação se deveu a um erro na configuração do servidor.",
	"da":         "I går aftes blev der holdt et møde i ministeriet, hvor resultaterne af kontrollen blev drøftet. Ifølge en kilde blev dokumenterne overdraget til journalister uden ledelsens tilladelse. Medarbejdere i sikkerhedsafdelingen påstår, at lækagen skyldtes en fejl i serverens indstillinger.",
	"ja":         "昨夜、省内で会議が開かれ、検査の結果について話し合われました。関係者によると、文書は経営陣の許可なく記者に渡されたということです。セキュリティ部門の職員は、通信のバックアップを保存していたサーバーの設定ミスが原因で情報が漏えいしたと主張しています。",
	"zh":         "昨天晚上，部里召开了一次会议，讨论了检查的结果。据消息人士透露，这些文件是在未经管理层许可的情况下交给记者的。安全部门的员工声称，泄露是由于存储通信备份的服务器配置错误造成的。",
	"zhtw":       "昨天晚上，部裡召開了一次會議，討論了檢查的結果。據消息人士透露，這些文件是在未經管理層許可的情況下交給記者的。安全部門的員工聲稱，洩露是由於存儲通信備份的伺服器配置錯誤造成的。",
	"ko":         "어제 저녁 부처에서 회의가 열려 검사 결과에 대해 논의했다. 소식통에 따르면 문서는 경영진의 허가 없이 기자들에게 전달되었다. 보안 부서 직원들은 통신 백업을 저장하던 서버의 설정 오류로 인해 유출이 발생했다고 주장한다.",
	"th":         "เมื่อคืนนี้มีการประชุมที่กระทรวงเพื่อหารือเกี่ยวกับผลการตรวจสอบ แหล่งข่าวระบุว่าเอกสารถูกส่งให้นักข่าวโดยไม่ได้รับอนุญาตจากผู้บริหาร เจ้าหน้าที่ฝ่ายความปลอดภัยอ้างว่าการรั่วไหลเกิดจากการตั้งค่าเซิร์ฟเวอร์ผิดพลาด",
}

// legacyCharsets are the charsets a leak's text comes in, each with the
// languages written in it and the names the detector may report for it
// (charsets that decode these texts identically).
var legacyCharsets = []struct {
	enc   encoding.Encoding
	names []string
	langs []string
}{
	{charmap.Windows1252, []string{"windows-1252", "iso-8859-15"}, []string{"de", "fr", "es", "pt", "da"}},
	{charmap.ISO8859_15, []string{"iso-8859-15", "windows-1252"}, []string{"es", "pt", "da"}},
	{charmap.Windows1250, []string{"windows-1250", "iso-8859-2"}, []string{"pl", "cs", "sk", "hu", "hr", "ro-cedilla"}},
	{charmap.ISO8859_2, []string{"iso-8859-2", "windows-1250"}, []string{"pl", "cs", "hu", "hr"}},
	// Estonian's õ, ä, ö, ü, š and ž sit where iso-8859-15 has them.
	{charmap.Windows1257, []string{"windows-1257", "iso-8859-13", "iso-8859-15"}, []string{"lt", "lv", "et"}},
	{charmap.Windows1254, []string{"windows-1254"}, []string{"tr"}},
	{charmap.Windows1251, []string{"windows-1251"}, []string{"ru", "uk", "bg", "sr"}},
	{charmap.KOI8R, []string{"koi8-r", "koi8-u"}, []string{"ru", "bg"}},
	{charmap.KOI8U, []string{"koi8-u"}, []string{"uk"}},
	{charmap.ISO8859_5, []string{"iso-8859-5"}, []string{"ru", "bg", "sr"}},
	{charmap.CodePage866, []string{"ibm866"}, []string{"ru", "bg"}},
	{charmap.Windows1253, []string{"windows-1253", "iso-8859-7"}, []string{"el"}},
	{charmap.ISO8859_7, []string{"iso-8859-7", "windows-1253"}, []string{"el"}},
	{charmap.Windows1255, []string{"windows-1255", "iso-8859-8"}, []string{"he"}},
	{charmap.ISO8859_8, []string{"iso-8859-8", "windows-1255"}, []string{"he"}},
	{charmap.Windows1256, []string{"windows-1256"}, []string{"ar"}},
	{charmap.Windows874, []string{"windows-874"}, []string{"th"}},
	{japanese.ShiftJIS, []string{"shift_jis"}, []string{"ja"}},
	{japanese.EUCJP, []string{"euc-jp"}, []string{"ja"}},
	{japanese.ISO2022JP, []string{"iso-2022-jp"}, []string{"ja"}},
	{simplifiedchinese.GBK, []string{"gb18030"}, []string{"zh"}},
	{simplifiedchinese.GB18030, []string{"gb18030"}, []string{"zh"}},
	{traditionalchinese.Big5, []string{"big5"}, []string{"zhtw"}},
	{korean.EUCKR, []string{"euc-kr"}, []string{"ko"}},
}

func encodeText(t testing.TB, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("test text not encodable: %v", err)
	}
	return b
}

func TestLegacyCharsets(t *testing.T) {
	for _, cs := range legacyCharsets {
		for _, lang := range cs.langs {
			t.Run(cs.names[0]+"/"+lang, func(t *testing.T) {
				text := leakTexts[lang]
				r := walkBytes(t, "t.txt", encodeText(t, cs.enc, text), Options{})
				d := r.docs[0]
				if !slices.Contains(cs.names, d.charset) || d.text != text {
					t.Errorf("charset %q, want one of %q; text %q", d.charset, cs.names, d.text)
				}
			})
		}
	}
}

// TestCharsetRoundTrip checks decode(encode(s)) == s for the detector's
// pick, on texts of 200 to 2000 bytes made of one language's sentences in
// random order, and of two languages that share a charset and often a
// document.
func TestCharsetRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(enc encoding.Encoding, name string, langs ...string) {
		var sentences []string
		for _, lang := range langs {
			sentences = append(sentences, strings.SplitAfter(leakTexts[lang], ". ")...)
		}
		for range 20 {
			var b strings.Builder
			for want := 200 + rng.IntN(1800); b.Len() < want; {
				b.WriteString(sentences[rng.IntN(len(sentences))])
			}
			text := b.String()
			raw := encodeText(t, enc, text)
			te, ok := detectText(raw, false)
			if !ok {
				t.Errorf("%s/%s: not taken for text", name, langs)
				continue
			}
			if got, err := te.enc.NewDecoder().Bytes(raw); err != nil || string(got) != text {
				t.Errorf("%s/%s: detected %s, decoded %q", name, langs, te.name, got)
			}
		}
	}
	for _, cs := range legacyCharsets {
		for _, lang := range cs.langs {
			check(cs.enc, cs.names[0], lang)
		}
	}
	check(charmap.Windows1250, "windows-1250", "cs", "sk")
	check(charmap.Windows1251, "windows-1251", "ru", "uk")
	check(charmap.Windows1257, "windows-1257", "lt", "lv")
}

func TestShortLegacyTexts(t *testing.T) {
	tests := []struct {
		name string // test case
		enc  encoding.Encoding
		text string
	}{
		// A name in an otherwise English line.
		{"polish name", charmap.Windows1250, "Contact: Łukasz Żółć, phone 555-0100"},
		{"german name", charmap.Windows1252, "Contact: Jürgen Müller, phone 555-0100"},
		{"czech name", charmap.ISO8859_2, "From: Jiří Dvořák <jd@example.cz>"},
		{"turkish name", charmap.Windows1254, "Kullanıcı: Şükrü Öztürk, şifre değiştirildi"},
		// A pound sign must stay one, not become Ł.
		{"pound", charmap.Windows1252, "Total due: £1,200 by Friday"},
		// A password line in Russian, in the two usual charsets.
		{"russian 1251", charmap.Windows1251, "Логин: admin\nПароль: секрет123\n"},
		{"russian koi8", charmap.KOI8R, "Логин: admin\nПароль: секрет123\n"},
		// A line of Greek.
		{"greek", charmap.Windows1253, "Όνομα χρήστη: διαχειριστής"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := encodeText(t, tc.enc, tc.text)
			te, ok := detectText(b, false)
			got, _ := te.enc.NewDecoder().Bytes(b)
			if !ok || string(got) != tc.text {
				t.Errorf("detected %s: %q", te.name, got)
			}
		})
	}
}

func TestWideCharsets(t *testing.T) {
	ru, zh := leakTexts["ru"], leakTexts["zh"]
	utf32le := func(s string, bom bool) []byte {
		e := utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
		if bom {
			e = utf32.UTF32(utf32.LittleEndian, utf32.UseBOM)
		}
		return encodeText(t, e, s)
	}
	tests := []struct {
		name    string // test case
		input   []byte
		charset string
		text    string
	}{
		// Cyrillic UTF-16 without a byte order mark: few zero bytes, from
		// spaces and punctuation.
		{"utf-16le cyrillic", utf16Bytes(ru, true, false), "utf-16le", ru},
		{"utf-16be cyrillic", utf16Bytes(ru, false, false), "utf-16be", ru},
		// Chinese UTF-16 without a byte order mark, with line breaks.
		{"utf-16le chinese", utf16Bytes(zh+"\r\n"+zh+"\r\n", true, false), "utf-16le", zh + "\r\n" + zh + "\r\n"},
		// UTF-32 with and without a byte order mark.
		{"utf-32le bom", utf32le(ru, true), "utf-32le", ru},
		{"utf-32le", utf32le(ru, false), "utf-32le", ru},
		{"utf-32be bom", encodeText(t, utf32.UTF32(utf32.BigEndian, utf32.UseBOM), ru), "utf-32be", ru},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := walkBytes(t, "t.txt", tc.input, Options{}).docs[0]
			if d.charset != tc.charset || d.text != tc.text || d.mediaType != mtText {
				t.Errorf("charset %q media %q text %q", d.charset, d.mediaType, d.text)
			}
		})
	}
	// Binary with zero bytes stays binary.
	bin := []byte{0x7F, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3E, 0, 1, 0, 0, 0, 0x40, 0x10, 0, 0}
	if d := walkBytes(t, "a.out", bin, Options{}).docs[0]; d.mediaType != mtBinary {
		t.Errorf("ELF header taken for %s %s", d.mediaType, d.charset)
	}
}

func TestDeclaredCharsets(t *testing.T) {
	ru := leakTexts["ru"]
	cp1251 := string(encodeText(t, charmap.Windows1251, ru))
	koi8 := string(encodeText(t, charmap.KOI8R, ru))
	tests := []struct {
		name    string // test case
		file    string
		input   string
		charset string
		text    string // in the document's text
	}{
		// <meta charset> names the charset; KOI8-R bytes that detection
		// alone could also read.
		{"meta charset", "p.html", `<html><head><meta charset="koi8-r"><title>t</title></head><body><p>` + koi8 + `</p></body></html>`, "koi8-r", ru},
		// The older http-equiv form.
		{"http-equiv", "p.html", `<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head><body><p>` + cp1251 + `</p></body></html>`, "windows-1251", ru},
		// No declaration: detected.
		{"undeclared html", "p.html", `<html><body><p>` + cp1251 + `</p></body></html>`, "windows-1251", ru},
		// A declaration of a single-byte charset over valid UTF-8 is a
		// mislabel.
		{"mislabelled utf-8", "p.html", `<html><head><meta charset="iso-8859-1"></head><body><p>` + ru + `</p></body></html>`, "utf-8", ru},
		// A meta declaring UTF-16 in an ASCII-compatible document means
		// UTF-8.
		{"meta utf-16", "p.html", `<html><head><meta charset="utf-16"></head><body><p>` + ru + `</p></body></html>`, "utf-8", ru},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := walkBytes(t, tc.file, []byte(tc.input), Options{}).docs[0]
			if d.charset != tc.charset || !strings.Contains(d.text, tc.text) {
				t.Errorf("charset %q text %q", d.charset, d.text)
			}
		})
	}
}

func TestMailPartCharsets(t *testing.T) {
	ru, pl := leakTexts["ru"], leakTexts["pl"]
	msg := "From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		// A KOI8-R part, declared.
		"--b\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n" + string(encodeText(t, charmap.KOI8R, ru)) + "\r\n" +
		// A windows-1250 part declared as us-ascii, as broken mailers do.
		"--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + string(encodeText(t, charmap.Windows1250, pl)) + "\r\n" +
		// An attached text file with a declared charset.
		"--b\r\nContent-Type: text/plain; charset=windows-1251; name=notes.txt\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\n" +
		string(encodeText(t, charmap.Windows1251, ru)) + "\r\n--b--\r\n"
	r := walkBytes(t, "m.eml", []byte(msg), Options{})
	checkDocs(t, r, []want{
		{path: "m.eml", contains: []string{ru, pl}},
		{path: "m.eml!/notes.txt", contains: []string{ru}},
	})
	if d := r.find(t, "m.eml!/notes.txt"); d.charset != "windows-1251" {
		t.Errorf("attachment charset %q", d.charset)
	}
}

func TestCharsetBeyondHead(t *testing.T) {
	// A long ASCII log whose first accented line comes after the sniffed
	// head.
	var b bytes.Buffer
	for b.Len() < 3*sniffLen {
		b.WriteString("2025-06-02 10:00:00 INFO request served\n")
	}
	b.Write(encodeText(t, charmap.Windows1250, "2025-06-02 10:00:01 WARN login failed for Łukasz Żółć\n"))
	d := walkBytes(t, "app.log", b.Bytes(), Options{}).docs[0]
	if d.charset != "windows-1250" || !strings.Contains(d.text, "Łukasz Żółć") {
		t.Errorf("charset %q, tail %q", d.charset, d.text[len(d.text)-60:])
	}
}
