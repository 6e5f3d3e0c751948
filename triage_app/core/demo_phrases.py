"""Phrase tables for the demo corpus's smuggling adverts, by language.

Synthetic material written to look like what analysts meet: crossings, fake documents, referral
prizes, testimonials, recruitment and transport offers. Every advert is a list of lines; the
generator fills the slots and varies emoji, phone format, price and line order between reposts, so
the same advert reappears as near-duplicates across accounts and platforms.

Slots: {e1} {e2} emoji, {place} departure, {dest} destination, {price}, {phone} a phone number in
some format, {wa} a wa.me link, {tme} a t.me link, {invite} a WhatsApp group invite, {nick} the
smuggler's nickname, {k} a number of friends, {disc} a discount, {pay} a wage.
"""

from __future__ import annotations

from typing import NamedTuple


class Advert(NamedTuple):
    """One advert template: its category (what an analyst would tag) and route."""

    category: str  # crossing | speedboat | documents | referral | testimonial | recruitment | ...
    route: str  # key into PLACES[lang], or "" when no place is named
    lines: tuple[str, ...]


# Routes: channel (France/Belgium -> UK), central_med (Libya/Tunisia -> Italy), aegean
# (Turkey -> Greece), overland (Balkans/Belarus -> western Europe), atlantic (West Africa and
# Morocco -> Canaries/Spain), africa (Horn and Sahel -> Libya -> Italy).
PLACES: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "en": {
        "channel": (("Calais", "Dunkirk", "Boulogne", "Gravelines"), ("UK", "England", "Dover")),
        "central_med": (
            ("Zuwara", "Sabratha", "Tripoli", "Sfax", "Zarzis", "Tobruk"),
            ("Italy", "Lampedusa", "Sicily", "Calabria"),
        ),
        "aegean": (("Izmir", "Bodrum", "Ayvalik", "Cesme"), ("Greece", "Lesbos", "Samos", "Kos")),
        "overland": (
            ("Serbia", "Bosnia", "Belgrade", "Minsk"),
            ("Germany", "Austria", "Italy", "France"),
        ),
        "atlantic": (("Dakhla", "Nouadhibou", "Tangier"), ("Canary Islands", "Spain")),
        "africa": (("Agadez", "Khartoum", "Addis Ababa", "Sebha"), ("Italy", "Malta", "Europe")),
    },
    "fr": {
        "channel": (("Calais", "Dunkerque", "Boulogne", "Gravelines"), ("Angleterre", "UK")),
        "central_med": (("Zouara", "Sabratha", "Tripoli", "Sfax"), ("Italie", "Lampedusa")),
        "atlantic": (("Dakhla", "Nouadhibou", "Tanger", "Nador"), ("Canaries", "Espagne")),
        "africa": (("Agadez", "Niamey", "Bamako", "Sebha"), ("Italie", "Libye")),
    },
    "ar": {
        "channel": (("كاليه", "دنكيرك", "بولوني"), ("بريطانيا", "إنجلترا")),
        "central_med": (
            ("زوارة", "صبراتة", "طرابلس", "صفاقس", "طبرق", "جرجيس"),
            ("إيطاليا", "لامبيدوزا", "صقلية"),
        ),
        "aegean": (("إزمير", "بودروم", "أيفالك"), ("اليونان", "ليسبوس", "ساموس")),
        "atlantic": (("طنجة", "الناظور", "الداخلة"), ("إسبانيا", "جزر الكناري")),
    },
    "ckb": {
        "channel": (("کالێ", "دەنکەرک"), ("بەریتانیا", "ئینگلتەرا")),
        "aegean": (("ئیزمیر", "بەدروم"), ("یۆنان", "دوورگەکانی یۆنان")),
        "overland": (("سڕبیا", "بۆسنە", "بیلاڕووس"), ("ئەڵمانیا", "ئیتاڵیا")),
    },
    "fa": {
        "channel": (("کاله", "دانکرک"), ("انگلیس", "بریتانیا")),
        "aegean": (("ازمیر", "بدروم", "آیوالیک"), ("یونان", "جزایر یونان")),
        "overland": (("صربستان", "بوسنی", "استانبول"), ("آلمان", "اتریش", "ایتالیا")),
    },
    "sq": {
        "channel": (("Kale", "Dunkerk", "Bruksel"), ("Angli", "Londër")),
        "overland": (("Tiranë", "Durrës", "Bruksel"), ("Angli", "Gjermani", "Itali")),
    },
    "vi": {
        "channel": (("Calais", "Dunkirk", "Bỉ"), ("Anh", "London")),
        "overland": (("Nga", "Ba Lan", "Đức", "Pháp"), ("Anh", "Đức")),
    },
    "tr": {
        "aegean": (("İzmir", "Bodrum", "Ayvalık", "Çeşme", "Didim"), ("Yunanistan", "Midilli")),
        "overland": (("Edirne", "İstanbul", "Sırbistan"), ("Almanya", "Avusturya", "İtalya")),
    },
    "ps": {
        "overland": (("ایران", "ترکیه", "استانبول"), ("اروپا", "آلمان", "ایټالیا")),
        "aegean": (("ازمیر", "بودروم"), ("یونان", "اروپا")),
    },
    "am": {
        "central_med": (("ሊቢያ", "ትሪፖሊ", "ዙዋራ"), ("ጣሊያን", "አውሮፓ")),
        "africa": (("አዲስ አበባ", "ሱዳን", "ካርቱም"), ("ሊቢያ", "ጣሊያን")),
    },
    "ti": {
        "central_med": (("ሊብያ", "ትሪፖሊ", "ዙዋራ"), ("ኢጣልያ", "ኤውሮጳ")),
        "africa": (("ሱዳን", "ካርቱም", "ኣዲስ ኣበባ"), ("ሊብያ", "ኢጣልያ")),
    },
}

ADVERTS: dict[str, tuple[Advert, ...]] = {
    "en": (
        Advert(
            "crossing",
            "channel",
            (
                "{e1} Boats to {dest} every week from {place} {e1}",
                "Good engine, new life jackets, experienced captain",
                "Price {price} per person, children half price",
                "Only serious people, places are limited",
                "Call or WhatsApp {phone}",
                "Our group {invite}",
            ),
        ),
        Advert(
            "speedboat",
            "central_med",
            (
                "{e1}{e1} VIP SPEEDBOAT {place} -> {dest} {e1}{e1}",
                "Only 10 people, 100% guarantee, 6 hours",
                "{price} all inclusive, payment after arrival",
                "{wa}",
            ),
        ),
        Advert(
            "crossing",
            "aegean",
            (
                "Trips from {place} to {dest} {e1}",
                "Big boat, safe, good weather this week",
                "{price}, money stays with the office until you arrive",
                "Join our group {invite}",
            ),
        ),
        Advert(
            "documents",
            "",
            (
                "{e1} Real passports, residence permits and ID cards for sale {e1}",
                "UK, French, Italian, Belgian - all EU countries",
                "Schengen visa and UK visa, fast delivery",
                "Telegram {tme} or {phone}",
            ),
        ),
        Advert(
            "referral",
            "channel",
            (
                "{e1} SPECIAL OFFER {e1}",
                "Bring {k} friends and your trip to {dest} is FREE",
                "Refer a friend and get {disc} discount",
                "Contact {phone} {e2}",
            ),
        ),
        Advert(
            "testimonial",
            "central_med",
            (
                "Thank God we arrived safely in {dest} {e1}",
                "Thank you brother {nick}, honest man, recommended to everyone",
                "His number {phone}",
            ),
        ),
        Advert(
            "recruitment",
            "overland",
            (
                "WE NEED DRIVERS {e1}",
                "Licence B or C, routes {place} to {dest}, good pay {pay} per trip",
                "Also looking for boat captain with experience",
                "Message {tme}",
            ),
        ),
        Advert(
            "transport",
            "africa",
            (
                "Transport from {place} to Libya and then {dest}, all inclusive {price}",
                "Departure every 2 weeks, food and water on the way {e1}",
                "Call {phone}",
            ),
        ),
        Advert(
            "transport",
            "atlantic",
            (
                "Pirogue to {dest} from {place} {e1}",
                "New motor, GPS, {price}",
                "WhatsApp {wa}",
            ),
        ),
    ),
    "fr": (
        Advert(
            "crossing",
            "channel",
            (
                "{e1} Passage pour {dest} depuis {place} {e1}",
                "Bateau sûr, moteur neuf, gilets fournis",
                "Prix {price} par personne",
                "Paiement à l'arrivée, garantie chez le bureau",
                "Contact WhatsApp {phone}",
                "Groupe WhatsApp {invite}",
            ),
        ),
        Advert(
            "crossing",
            "central_med",
            (
                "Départs de {place} vers {dest} chaque semaine {e1}",
                "Places limitées, sérieux uniquement",
                "{price} tout compris",
                "Appelez {phone}",
            ),
        ),
        Advert(
            "documents",
            "",
            (
                "Vente de passeports, cartes de séjour et visas Schengen {e1}",
                "Documents enregistrés, livraison rapide et discrète",
                "Écrivez-nous sur Telegram {tme}",
            ),
        ),
        Advert(
            "referral",
            "atlantic",
            (
                "{e1} Parrainez un ami et obtenez {disc} de réduction {e1}",
                "Venez avec {k} amis et votre voyage pour {dest} est gratuit",
                "{phone}",
            ),
        ),
        Advert(
            "testimonial",
            "central_med",
            (
                "Dieu merci nous sommes bien arrivés en {dest} {e1}",
                "Merci à {nick}, homme de confiance, je le recommande",
                "Son numéro {phone}",
            ),
        ),
        Advert(
            "recruitment",
            "africa",
            (
                "Recherche chauffeurs permis C pour trajets {place} - {dest}",
                "Bien payé {pay} par voyage {e1}",
                "Contact {wa}",
            ),
        ),
    ),
    "ar": (
        Advert(
            "crossing",
            "central_med",
            (
                "{e1} رحلات من {place} إلى {dest} كل أسبوع {e1}",
                "قارب كبير ومحرك جديد وسترات نجاة",
                "السعر {price} للشخص",
                "الدفع بعد الوصول، الضمان عند المكتب",
                "للتواصل واتساب {phone}",
                "رابط المجموعة {invite}",
            ),
        ),
        Advert(
            "speedboat",
            "central_med",
            (
                "{e1} لنش سريع VIP من {place} {e1}",
                "عشرة أشخاص فقط، ضمان مئة بالمئة",
                "{price} شامل",
                "{wa}",
            ),
        ),
        Advert(
            "crossing",
            "aegean",
            (
                "رحلات من {place} إلى {dest} {e1}",
                "الطقس ممتاز هذا الأسبوع، أماكن محدودة",
                "السعر {price}",
                "انضم إلى مجموعتنا {invite}",
            ),
        ),
        Advert(
            "documents",
            "",
            (
                "{e1} جوازات سفر وإقامات وفيز للبيع {e1}",
                "جميع الدول الأوروبية، تسليم سريع",
                "تيليجرام {tme}",
            ),
        ),
        Advert(
            "referral",
            "channel",
            (
                "{e1} عرض خاص {e1}",
                "أحضر {k} أصدقاء ورحلتك إلى {dest} مجانا",
                "خصم {disc} لكل صديق",
                "{phone}",
            ),
        ),
        Advert(
            "testimonial",
            "central_med",
            (
                "الحمد لله وصلنا بالسلامة إلى {dest} {e1}",
                "شكرا للأخ {nick}، رجل صادق وأنصح الجميع بالتعامل معه",
                "رقمه {phone}",
            ),
        ),
        Advert(
            "recruitment",
            "central_med",
            (
                "مطلوب قبطان بخبرة وسائقين {e1}",
                "راتب ممتاز {pay} للرحلة",
                "تواصل {tme}",
            ),
        ),
        Advert(
            "transport",
            "atlantic",
            (
                "رحلات من {place} إلى {dest} بقارب سريع {e1}",
                "السعر {price}، الانطلاق قريبا",
                "واتساب {phone}",
            ),
        ),
    ),
    "ckb": (
        Advert(
            "crossing",
            "channel",
            (
                "{e1} گەشت بۆ {dest} لە {place} {e1}",
                "بەلەمی خێرا و سەلامەت، بزوێنەری نوێ",
                "نرخ {price}",
                "تەنها جێگەی کەم ماوە",
                "پەیوەندی بکە {phone}",
                "گرووپی واتساپ {invite}",
            ),
        ),
        Advert(
            "crossing",
            "aegean",
            (
                "گەشت لە {place} بۆ {dest} {e1}",
                "پارە لای نووسینگە دەمێنێتەوە تا دەگەیت",
                "نرخ {price}",
                "{wa}",
            ),
        ),
        Advert(
            "documents",
            "",
            (
                "{e1} پاسپۆرت و ڤیزا و ئیقامە بە فرۆشتن {e1}",
                "هەموو وڵاتانی ئەوروپا",
                "تێلیگرام {tme}",
            ),
        ),
        Advert(
            "testimonial",
            "channel",
            (
                "سوپاس بۆ خوا بە سەلامەتی گەیشتینە {dest} {e1}",
                "سوپاس بۆ کاک {nick}، پیاوێکی ڕاستگۆیە",
                "ژمارەی {phone}",
            ),
        ),
        Advert(
            "referral",
            "overland",
            (
                "{k} هاوڕێ بهێنە و گەشتەکەت بۆ {dest} بەخۆڕاییە {e1}",
                "داشکاندنی {disc}",
                "{phone}",
            ),
        ),
        Advert(
            "transport",
            "overland",
            (
                "VIP بە ئۆتۆمبێل لە {place} بۆ {dest} {e1}",
                "نرخ {price}، بێ پیادەڕۆیی",
                "واتساپ {phone}",
            ),
        ),
    ),
    "fa": (
        Advert(
            "speedboat",
            "aegean",
            (
                "{e1} سفر از {place} به {dest} با قایق تندرو VIP {e1}",
                "تضمینی و امن، پرداخت بعد از رسیدن",
                "قیمت {price}",
                "تماس و واتساپ: {phone}",
                "گروه واتساپ: {invite}",
            ),
        ),
        Advert(
            "transport",
            "overland",
            (
                "انتقال از {place} به {dest} با ماشین {e1}",
                "بدون پیاده روی، قیمت {price}",
                "تلگرام {tme}",
            ),
        ),
        Advert(
            "documents",
            "",
            (
                "ساخت پاسپورت، اقامت و ویزای شینگن {e1}",
                "تحویل سریع، کیفیت عالی",
                "{phone}",
            ),
        ),
        Advert(
            "referral",
            "aegean",
            (
                "دوستانت را معرفی کن و {disc} تخفیف بگیر {e1}",
                "با {k} دوست سفر تو به {dest} رایگان است",
                "{wa}",
            ),
        ),
        Advert(
            "testimonial",
            "aegean",
            (
                "خدا را شکر سالم به {dest} رسیدیم {e1}",
                "از آقا {nick} ممنونیم، آدم درستکاری است",
                "شماره: {phone}",
            ),
        ),
    ),
    "sq": (
        Advert(
            "crossing",
            "channel",
            (
                "{e1} Udhëtime për në {dest} nga {place} {e1}",
                "Me gomone të sigurt ose me kamion",
                "Çmimi {price}",
                "Garanci 100%, pagesa pas mbërritjes",
                "Na kontaktoni në WhatsApp {phone}",
                "Grupi ynë {invite}",
            ),
        ),
        Advert(
            "documents",
            "",
            (
                "Pasaporta dhe leje qëndrimi të vërteta {e1}",
                "Për të gjitha shtetet e BE-së",
                "Telegram {tme}",
            ),
        ),
        Advert(
            "referral",
            "channel",
            (
                "Sill {k} shokë dhe udhëtimi për në {dest} është falas {e1}",
                "Ulje {disc}",
                "{phone}",
            ),
        ),
        Advert(
            "recruitment",
            "overland",
            (
                "Kërkojmë shoferë me patentë C për linjën {place} - {dest} {e1}",
                "Pagesë e mirë {pay}",
                "{wa}",
            ),
        ),
    ),
    "vi": (
        Advert(
            "crossing",
            "channel",
            (
                "{e1} Đi {dest} an toàn từ {place} {e1}",
                "Xuồng nhanh VIP hoặc xe tải",
                "Giá {price}, bao đến nơi",
                "Liên hệ Zalo/WhatsApp {phone}",
                "Nhóm WhatsApp {invite}",
            ),
        ),
        Advert(
            "documents",
            "",
            (
                "Làm giấy tờ, hộ chiếu, thẻ cư trú châu Âu {e1}",
                "Nhanh chóng, uy tín",
                "{tme}",
            ),
        ),
        Advert(
            "referral",
            "overland",
            (
                "Giới thiệu {k} người bạn được giảm {disc} {e1}",
                "Đi {dest} qua {place}",
                "{phone}",
            ),
        ),
        Advert(
            "testimonial",
            "channel",
            (
                "Cảm ơn anh {nick} đã giúp em sang {dest} an toàn {e1}",
                "Uy tín, mọi người cứ liên hệ {phone}",
            ),
        ),
    ),
    "tr": (
        Advert(
            "speedboat",
            "aegean",
            (
                "{e1} {place} çıkışlı sürat teknesi ile VIP geçiş {e1}",
                "Güvenli ve garantili, {dest}",
                "Fiyat {price}",
                "İletişim WhatsApp {phone}",
                "WhatsApp grubu {invite}",
            ),
        ),
        Advert(
            "documents",
            "",
            (
                "Pasaport, oturma izni ve vize işlemleri {e1}",
                "Tüm AB ülkeleri, hızlı teslimat",
                "Telegram {tme}",
            ),
        ),
        Advert(
            "recruitment",
            "aegean",
            (
                "Tecrübeli kaptan ve şoför aranıyor {e1}",
                "Yüksek ücret {pay}",
                "{wa}",
            ),
        ),
        Advert(
            "referral",
            "overland",
            (
                "Arkadaşını getir indirim kazan {e1}",
                "{k} kişi getirene {dest} yolculuğu bedava",
                "{phone}",
            ),
        ),
    ),
    "ps": (
        Advert(
            "transport",
            "overland",
            (
                "{e1} له {place} څخه {dest} ته سفر {e1}",
                "خوندي او ډاډمن سفر",
                "بیه {price}",
                "اړیکه: {phone}",
            ),
        ),
        Advert(
            "crossing",
            "aegean",
            (
                "له {place} څخه {dest} ته په کښتۍ {e1}",
                "پیسې د ضمانت دفتر کې پاتې کیږي",
                "واټساپ {wa}",
            ),
        ),
        Advert(
            "documents",
            "",
            (
                "پاسپورټ، ویزه او اقامه جوړوو {e1}",
                "ټېلیګرام {tme}",
            ),
        ),
    ),
    "am": (
        Advert(
            "crossing",
            "central_med",
            (
                "{e1} ከ{place} ወደ {dest} በጀልባ ጉዞ {e1}",
                "አስተማማኝ እና ፈጣን",
                "ዋጋ {price} ብቻ",
                "ለበለጠ መረጃ ይደውሉ {phone}",
                "የዋትስአፕ ቡድን {invite}",
            ),
        ),
        Advert(
            "transport",
            "africa",
            (
                "ከ{place} ወደ {dest} ጉዞ {e1}",
                "ዋጋ {price}",
                "ዋትስአፕ {wa}",
            ),
        ),
        Advert(
            "testimonial",
            "central_med",
            (
                "እግዚአብሔር ይመስገን በሰላም {dest} ደርሰናል {e1}",
                "{nick} እናመሰግናለን",
                "{phone}",
            ),
        ),
    ),
    "ti": (
        Advert(
            "crossing",
            "central_med",
            (
                "{e1} ካብ {place} ናብ {dest} ብጃልባ ጉዕዞ {e1}",
                "ውሑስን ቅልጡፍን",
                "ዋጋ {price} ጥራይ",
                "ንዝያዳ ሓበሬታ ደውሉ {phone}",
                "ጉጅለ ዋትስኣፕ {invite}",
            ),
        ),
        Advert(
            "transport",
            "africa",
            (
                "ካብ {place} ናብ {dest} ጉዕዞ {e1}",
                "ዋጋ {price}",
                "{wa}",
            ),
        ),
        Advert(
            "testimonial",
            "central_med",
            (
                "ብሰላም {dest} በጺሕና {e1}",
                "የቐንየለይ {nick}",
                "{phone}",
            ),
        ),
    ),
}

EMOJI: tuple[str, ...] = (
    "🚤",
    "⛴️",
    "🌊",
    "✅",
    "💯",
    "🔥",
    "⭐",
    "📞",
    "👍",
    "🙏",
    "🇪🇺",
    "🇮🇹",
    "🇬🇧",
    "✈️",
    "💶",
)

NICKNAMES: dict[str, tuple[str, ...]] = {
    "en": ("Abu Hamza", "Tony", "Doctor", "Kapitan", "Big Sam", "Haji Karim"),
    "fr": ("Abou Ali", "le Docteur", "Samir", "Capitaine", "Moussa"),
    "ar": ("أبو حمزة", "أبو علي", "الحاج كريم", "الدكتور", "أبو يوسف"),
    "ckb": ("ڕێبوار", "هەژار", "کوردۆ", "شێرۆ", "ئاسۆ"),
    "fa": ("کریم", "آرین", "حاجی", "دکتر", "بهروز"),
    "sq": ("Beni", "Toni", "Kapiteni", "Lulzim", "Genti"),
    "vi": ("Long", "Hùng", "Tuấn", "Dũng"),
    "tr": ("Mehmet Abi", "Kaptan", "Hacı", "Doktor"),
    "ps": ("حاجي ګل", "ډاکټر", "نجیب", "خان"),
    "am": ("ዳዊት", "አቤል", "ካፒቴን", "ሙሉጌታ"),
    "ti": ("ዳኒኤል", "ኣቤል", "ካፕተን", "ጊደይ"),
}

# Price ranges per advert category and route: (low, high) in the route's usual currency.
PRICE_RANGES: dict[str, tuple[int, int]] = {
    "channel": (1200, 3500),
    "central_med": (2000, 5000),
    "aegean": (1500, 4000),
    "overland": (2500, 8000),
    "atlantic": (1500, 3000),
    "africa": (1500, 4500),
    "speedboat": (6000, 12000),
    "documents": (300, 3000),
    "": (500, 2500),
}

# Where a network's phone numbers come from (ISO region codes): its route's countries and those
# of its own community.
ROUTE_PHONE_REGIONS: dict[str, tuple[str, ...]] = {
    "channel": ("GB", "FR", "BE", "IQ"),
    "central_med": ("LY", "TN", "IT"),
    "aegean": ("TR", "IR", "IQ"),
    "overland": ("RS", "TR", "DE", "AL"),
    "atlantic": ("MA", "SN", "ES"),
    "africa": ("LY", "ET", "ER", "SD"),
    "": ("GB", "FR", "TR"),
}

LANG_PHONE_REGIONS: dict[str, tuple[str, ...]] = {
    "en": ("GB", "FR", "LY"),
    "fr": ("FR", "SN", "MA"),
    "ar": ("LY", "TN", "EG"),
    "ckb": ("IQ", "GB", "TR"),
    "fa": ("IR", "TR"),
    "sq": ("AL", "GB", "BE"),
    "vi": ("GB", "FR", "VN"),
    "tr": ("TR",),
    "ps": ("AF", "IR", "TR"),
    "am": ("ET", "LY", "SD"),
    "ti": ("ER", "LY", "SD"),
}

DISPLAY_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Euro Travel Services", "Safe Trip Europe", "VIP Travel UK", "Best Way Tours"),
    "fr": ("Voyages Europe Express", "Bon Voyage Services", "Passage Sûr"),
    "ar": ("سفريات الأمان", "رحلات أوروبا", "مكتب الثقة للسفر", "أبو حمزة للسياحة"),
    "ckb": ("گەشتی ئەوروپا", "گەشتی سەلامەت", "کاک ڕێبوار"),
    "fa": ("سفر امن اروپا", "آژانس مسافرتی آرین", "سفر VIP"),
    "sq": ("Udhëtime Europa", "Transport Anglia", "Shërbime Udhëtimi"),
    "vi": ("Du Lịch Châu Âu", "Đi Anh Uy Tín", "Dịch Vụ Sang Anh"),
    "tr": ("Avrupa Turizm", "Ege VIP Transfer", "Güvenli Yolculuk"),
    "ps": ("اروپا سفرونه", "د سفر خدمتونه"),
    "am": ("የአውሮፓ ጉዞ", "ፈጣን ጉዞ"),
    "ti": ("ጉዕዞ ኤውሮጳ", "ውሑስ ጉዕዞ"),
}

HANDLE_WORDS: tuple[str, ...] = (
    "safe_trip",
    "vip_travel",
    "europe_tours",
    "euro_way",
    "travel_uk",
    "italia_trip",
    "best_way",
    "taxi_europe",
    "boat_vip",
    "papers_eu",
    "road_to_eu",
    "sea_travel",
)
