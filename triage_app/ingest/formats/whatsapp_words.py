"""What WhatsApp writes in a chat export besides people's words, in every phone language it is
localised in that the triage teams meet: media and deletion placeholders, attachment markers,
system notices, and the words for morning and afternoon in 12-hour clocks.

This module is data only (tables, no reading logic): whatsapp.py and whatsapp_lines.py match
against it, and docs/formats.md lists it. Texts are compared after ``fold`` (bidi marks removed,
no-break spaces made spaces, spaces collapsed, curly quotes straightened, trailing full stop
dropped, case folded), so the same notice matches whether a phone wrote a mark, a full stop or a
curly quote. In NOTICES, ``{}`` stands for a name, a phone number or a group name and ``…`` for
any rest of the line. Adding a language is adding rows here.

Languages (ISO 639-1, ckb/kmr for Sorani/Kurmanji Kurdish): en, ar, fa, ckb, kmr, tr, fr, it,
es, pt, de, ru, cs, ja, th, sq, am, ti, nl, id.
"""

# ruff: noqa: E501  (tables of phrases read best one phrase per entry, unwrapped)
from __future__ import annotations

# fmt: off

# ---------------------------------------------------------------------------------------------
# 12-hour clocks: the word after (or, in East Asian locales, before) the time, and which half of
# the day it means. "night" is "at night": 9 to 11 in the evening, 12 to 5 after midnight.
DAY_PERIODS_AFTER: dict[str, str] = {
    "am": "am", "a.m.": "am", "a. m.": "am", "a.m": "am", "a. m": "am",
    "pm": "pm", "p.m.": "pm", "p. m.": "pm", "p.m": "pm", "p. m": "pm",
    "ص": "am", "م": "pm",  # ar
    "ق.ظ.": "am", "ب.ظ.": "pm", "ق.ظ": "am", "ب.ظ": "pm",  # fa
    "öö": "am", "ös": "pm",  # tr
    "e paradites": "am", "e pasdites": "pm", "pd": "am", "md": "pm",  # sq
    "ጥዋት": "am", "ከሰዓት": "pm",  # am
    "ቅ.ቀ.": "am", "ድ.ቀ.": "pm", "ንጉሆ": "am", "ድሕር ቀትሪ": "pm",  # ti
    "ก่อนเที่ยง": "am", "หลังเที่ยง": "pm",  # th
    "午前": "am", "午後": "pm",  # ja (also written before the time)
    "dop.": "am", "odp.": "pm",  # cs
    "in the morning": "am", "in the afternoon": "pm", "in the evening": "pm",
    "at night": "night", "noon": "noon", "midnight": "am",  # en "h:mm B" clocks
}
DAY_PERIODS_BEFORE: dict[str, str] = {
    "午前": "am", "午後": "pm",  # ja
    "上午": "am", "下午": "pm", "中午": "noon", "凌晨": "am", "晚上": "pm",  # zh
    "오전": "am", "오후": "pm",  # ko
}

# ---------------------------------------------------------------------------------------------
# Media the export left out: the whole body of the message is one of these (after ``fold``).
# (language, placeholder, media kind). iOS writes "<kind> omitted" per kind; Android writes one
# "<Media omitted>" for every kind.
MEDIA_PLACEHOLDERS: list[tuple[str, str, str]] = [
    # English
    ("en", "image omitted", "photo"), ("en", "video omitted", "video"),
    ("en", "audio omitted", "audio"), ("en", "sticker omitted", "sticker"),
    ("en", "GIF omitted", "video"), ("en", "document omitted", "file"),
    ("en", "Contact card omitted", "file"), ("en", "<Media omitted>", "file"),
    ("en", "<View once voice message omitted>", "audio"), ("en", "null", "file"),
    # German
    ("de", "Bild weggelassen", "photo"), ("de", "Video weggelassen", "video"),
    ("de", "Audio weggelassen", "audio"), ("de", "Sticker weggelassen", "sticker"),
    ("de", "GIF weggelassen", "video"), ("de", "Dokument weggelassen", "file"),
    ("de", "Kontaktkarte weggelassen", "file"), ("de", "<Medien ausgeschlossen>", "file"),
    ("de", "<Medien weggelassen>", "file"),
    # Spanish
    ("es", "imagen omitida", "photo"), ("es", "video omitido", "video"),
    ("es", "audio omitido", "audio"), ("es", "sticker omitido", "sticker"),
    ("es", "GIF omitido", "video"), ("es", "documento omitido", "file"),
    ("es", "tarjeta de contacto omitida", "file"), ("es", "<Multimedia omitido>", "file"),
    # French
    ("fr", "image absente", "photo"), ("fr", "vidéo absente", "video"),
    ("fr", "audio omis", "audio"), ("fr", "sticker omis", "sticker"),
    ("fr", "GIF retiré", "video"), ("fr", "document omis", "file"),
    ("fr", "fiche contact omise", "file"), ("fr", "<Médias omis>", "file"),
    # Italian
    ("it", "immagine omessa", "photo"), ("it", "video omesso", "video"),
    ("it", "audio omesso", "audio"), ("it", "sticker omesso", "sticker"),
    ("it", "GIF omessa", "video"), ("it", "documento omesso", "file"),
    ("it", "scheda contatto omessa", "file"), ("it", "<Media omessi>", "file"),
    # Portuguese (Brazil, Portugal)
    ("pt", "imagem ocultada", "photo"), ("pt", "vídeo omitido", "video"),
    ("pt", "áudio ocultado", "audio"), ("pt", "figurinha omitida", "sticker"),
    ("pt", "GIF omitido", "video"), ("pt", "documento omitido", "file"),
    ("pt", "cartão de contato omitido", "file"), ("pt", "<Mídia oculta>", "file"),
    ("pt", "<Multimédia omitida>", "file"), ("pt", "<Arquivo de mídia oculto>", "file"),
    # Russian
    ("ru", "изображение отсутствует", "photo"), ("ru", "видео отсутствует", "video"),
    ("ru", "аудиофайл отсутствует", "audio"), ("ru", "стикер отсутствует", "sticker"),
    ("ru", "GIF отсутствует", "video"), ("ru", "документ отсутствует", "file"),
    ("ru", "карточка контакта отсутствует", "file"), ("ru", "<Без медиафайлов>", "file"),
    ("ru", "<Медиа отсутствуют>", "file"), ("ru", "<Медиафайл отсутствует>", "file"),
    # Czech
    ("cs", "obrázek vynechán", "photo"), ("cs", "video vynecháno", "video"),
    ("cs", "zvuk vynechán", "audio"), ("cs", "nálepka vynechána", "sticker"),
    ("cs", "GIF vynechán", "video"), ("cs", "dokument vynechán", "file"),
    ("cs", "<Média vynechána>", "file"), ("cs", "<Médium vynecháno>", "file"),
    # Turkish
    ("tr", "görüntü dahil edilmedi", "photo"), ("tr", "video dahil edilmedi", "video"),
    ("tr", "ses dahil edilmedi", "audio"), ("tr", "çıkartma dahil edilmedi", "sticker"),
    ("tr", "GIF dahil edilmedi", "video"), ("tr", "belge dahil edilmedi", "file"),
    ("tr", "kişi kartı dahil edilmedi", "file"), ("tr", "<Medya dahil edilmedi>", "file"),
    ("tr", "<Medya atlandı>", "file"),
    # Arabic
    ("ar", "تم استبعاد الصورة", "photo"), ("ar", "تم استبعاد الفيديو", "video"),
    ("ar", "تم استبعاد الصوت", "audio"), ("ar", "تم استبعاد الملصق", "sticker"),
    ("ar", "تم استبعاد GIF", "video"), ("ar", "تم استبعاد المستند", "file"),
    ("ar", "تم استبعاد بطاقة جهة الاتصال", "file"), ("ar", "<تم استبعاد الوسائط>", "file"),
    ("ar", "<الوسائط غير مضمنة>", "file"),
    # Persian
    ("fa", "تصویر حذف شد", "photo"), ("fa", "ویدیو حذف شد", "video"),
    ("fa", "صدا حذف شد", "audio"), ("fa", "استیکر حذف شد", "sticker"),
    ("fa", "GIF حذف شد", "video"), ("fa", "سند حذف شد", "file"),
    ("fa", "<رسانه حذف شد>", "file"), ("fa", "<بدون رسانه>", "file"),
    # Kurdish (Sorani, Kurmanji)
    ("ckb", "<میدیا لابرا>", "file"), ("ckb", "وێنە لابرا", "photo"),
    ("ckb", "ڤیدیۆ لابرا", "video"),
    ("kmr", "<Medya nehat tevlîkirin>", "file"), ("kmr", "wêne nehat tevlîkirin", "photo"),
    # Japanese
    ("ja", "画像は含まれていません", "photo"), ("ja", "動画は含まれていません", "video"),
    ("ja", "音声は含まれていません", "audio"), ("ja", "ステッカーは含まれていません", "sticker"),
    ("ja", "GIFは含まれていません", "video"), ("ja", "書類は含まれていません", "file"),
    ("ja", "画像を省略しました", "photo"), ("ja", "動画を省略しました", "video"),
    ("ja", "<メディアは含まれていません>", "file"), ("ja", "<メディアなし>", "file"),
    # Thai
    ("th", "ไม่รวมรูปภาพ", "photo"), ("th", "ไม่รวมวิดีโอ", "video"),
    ("th", "ไม่รวมเสียง", "audio"), ("th", "ไม่รวมสติกเกอร์", "sticker"),
    ("th", "ไม่รวม GIF", "video"), ("th", "ไม่รวมเอกสาร", "file"),
    ("th", "<ไม่รวมสื่อ>", "file"), ("th", "<สื่อถูกละไว้>", "file"),
    # Albanian
    ("sq", "imazhi u la jashtë", "photo"), ("sq", "videoja u la jashtë", "video"),
    ("sq", "<Media u përjashtua>", "file"), ("sq", "<Media të hequra>", "file"),
    # Amharic, Tigrinya
    ("am", "<ሚዲያ አልተካተተም>", "file"), ("am", "ምስል አልተካተተም", "photo"),
    ("ti", "<ሚድያ ኣይተኻተተን>", "file"), ("ti", "ስእሊ ኣይተኻተተን", "photo"),
    # Dutch, Indonesian
    ("nl", "<Media weggelaten>", "file"), ("nl", "afbeelding weggelaten", "photo"),
    ("id", "<Media tidak disertakan>", "file"), ("id", "gambar tidak disertakan", "photo"),
]

# iOS names an attached file "<WORD: 00000012-PHOTO-2022-03-27-21-41-35.jpg>"; WORD per language.
# (The reader also takes any "<word: file.ext>" whose file is beside the chat or has iOS's file
# name form, so a language missing here still attaches its media.)
ATTACHED_WORDS: list[tuple[str, str]] = [
    ("en", "attached"), ("de", "Anhang"), ("es", "adjunto"), ("fr", "pièce jointe"),
    ("it", "allegato"), ("pt", "anexado"), ("ru", "вложение"), ("cs", "příloha"),
    ("tr", "ek"), ("ar", "مرفق"), ("fa", "پیوست"), ("ckb", "هاوپێچ"), ("kmr", "pêvek"),
    ("ja", "添付ファイル"), ("th", "แนบ"), ("sq", "bashkëngjitur"), ("am", "ተያይዟል"),
    ("ti", "ተተሓሒዙ"), ("nl", "bijgevoegd"), ("id", "terlampir"),
]

# Android names an attached file "IMG-20220318-WA0001.jpg (file attached)"; the words in the
# brackets per language (the reader accepts any short bracketed words after a file name).
FILE_ATTACHED: list[tuple[str, str]] = [
    ("en", "file attached"), ("de", "Datei angehängt"), ("es", "archivo adjunto"),
    ("fr", "fichier joint"), ("it", "file allegato"), ("pt", "arquivo anexado"),
    ("ru", "файл прикреплён"), ("cs", "soubor připojen"), ("tr", "dosya ekli"),
    ("ar", "الملف مرفق"), ("fa", "فایل پیوست شد"), ("ja", "ファイル添付"),
    ("th", "แนบไฟล์"), ("sq", "skedari u bashkëngjit"),
]

# A message its sender deleted: a notice (kind "deleted"), never a post.
DELETED: list[tuple[str, str]] = [
    ("en", "This message was deleted"), ("en", "You deleted this message"),
    ("en", "This message was deleted by admin {}"),
    ("de", "Diese Nachricht wurde gelöscht"), ("de", "Du hast diese Nachricht gelöscht"),
    ("es", "Se eliminó este mensaje"), ("es", "Eliminaste este mensaje"),
    ("es", "Este mensaje fue eliminado"),
    ("fr", "Ce message a été supprimé"), ("fr", "Vous avez supprimé ce message"),
    ("it", "Questo messaggio è stato eliminato"), ("it", "Hai eliminato questo messaggio"),
    ("pt", "Mensagem apagada"), ("pt", "Esta mensagem foi apagada"),
    ("pt", "Você apagou esta mensagem"), ("pt", "Apagou esta mensagem"),
    ("ru", "Данное сообщение удалено"), ("ru", "Это сообщение удалено"),
    ("ru", "Вы удалили данное сообщение"), ("ru", "Вы удалили это сообщение"),
    ("cs", "Tato zpráva byla smazána"), ("cs", "Smazali jste tuto zprávu"),
    ("cs", "Tuto zprávu jste smazali"),
    ("tr", "Bu mesaj silindi"), ("tr", "Bu mesajı sildiniz"),
    ("ar", "تم حذف هذه الرسالة"), ("ar", "لقد حذفت هذه الرسالة"), ("ar", "حذفت هذه الرسالة"),
    ("fa", "این پیام حذف شد"), ("fa", "شما این پیام را حذف کردید"),
    ("ckb", "ئەم نامەیە سڕایەوە"), ("ckb", "تۆ ئەم نامەیەت سڕییەوە"),
    ("kmr", "Ev peyam hate jêbirin"), ("kmr", "Te ev peyam jê bir"),
    ("ja", "このメッセージは削除されました"), ("ja", "メッセージを削除しました"),
    ("th", "ข้อความนี้ถูกลบแล้ว"), ("th", "คุณลบข้อความนี้แล้ว"),
    ("sq", "Ky mesazh u fshi"), ("sq", "E fshive këtë mesazh"),
    ("am", "ይህ መልዕክት ተሰርዟል"), ("am", "ይህን መልዕክት ሰርዘዋል"),
    ("ti", "እዚ መልእኽቲ ተሰሪዙ"), ("ti", "ነዚ መልእኽቲ ሰሪዝካዮ"),
    ("nl", "Dit bericht is verwijderd"), ("id", "Pesan ini telah dihapus"),
]

# System notices: (language, kind, pattern). Android writes them without a sender; iOS credits
# them to the chat's name and starts them with a left-to-right mark. Either way they are
# counted, kept in the store (system_notices) and never become a post or an account.
NOTICES: list[tuple[str, str, str]] = [
    # English
    ("en", "encryption", "Messages and calls are end-to-end encrypted…"),
    ("en", "encryption", "Messages to this group are now secured with end-to-end encryption…"),
    ("en", "encryption", "Messages to this chat and calls are now secured with end-to-end encryption…"),
    ("en", "encryption", "Messages you send to this chat and calls are now secured with end-to-end encryption…"),
    ("en", "encryption", "Messages you send to this group are now secured with end-to-end encryption…"),
    ("en", "group", "{} created group {}"), ("en", "group", "You created group {}"),
    ("en", "group", "{} created this group"),
    ("en", "member", "{} added {}"), ("en", "member", "You added {}"),
    ("en", "member", "{} removed {}"), ("en", "member", "You removed {}"),
    ("en", "member", "{} left"), ("en", "member", "You left"),
    ("en", "member", "{} joined using this group's invite link"),
    ("en", "member", "You joined using this group's invite link"),
    ("en", "member", "{} was added"), ("en", "member", "You were added"),
    ("en", "member", "You're now an admin"), ("en", "member", "You're no longer an admin"),
    ("en", "group", "{} changed the subject from {} to {}"),
    ("en", "group", "{} changed the subject to {}"),
    ("en", "group", "{} changed this group's icon"), ("en", "group", "{} deleted this group's icon"),
    ("en", "group", "{} changed the group description"),
    ("en", "group", "{} deleted the group description"),
    ("en", "group", "{} changed this group's settings…"),
    ("en", "security", "Your security code with {} changed…"),
    ("en", "security", "{}'s security code changed…"),
    ("en", "disappearing", "{} turned on disappearing messages…"),
    ("en", "disappearing", "{} turned off disappearing messages…"),
    ("en", "disappearing", "Disappearing messages were turned on…"),
    ("en", "disappearing", "Disappearing messages were turned off…"),
    ("en", "disappearing", "{} uses a default timer for disappearing messages…"),
    ("en", "number", "{} changed their phone number to a new number…"),
    ("en", "number", "{} changed to {}"),
    ("en", "call", "Missed voice call"), ("en", "call", "Missed video call"),
    ("en", "call", "Missed group voice call"), ("en", "call", "Missed group video call"),
    ("en", "call", "Voice call, {}"), ("en", "call", "Video call, {}"),
    ("en", "waiting", "Waiting for this message…"),
    ("en", "business", "This chat is with a business account…"),
    ("en", "business", "This business is now using a secure service from Meta…"),
    ("en", "blocked", "You blocked this contact…"), ("en", "blocked", "You unblocked this contact"),
    ("en", "other", "…Tap to learn more"), ("en", "other", "…Tap for more info"),
    # German
    ("de", "encryption", "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt…"),
    ("de", "encryption", "Nachrichten an diese Gruppe sind jetzt mit Ende-zu-Ende-Verschlüsselung gesichert…"),
    ("de", "group", "{} hat die Gruppe {} erstellt"), ("de", "group", "Du hast die Gruppe {} erstellt"),
    ("de", "member", "{} hat {} hinzugefügt"), ("de", "member", "Du hast {} hinzugefügt"),
    ("de", "member", "{} hat {} entfernt"), ("de", "member", "{} hat die Gruppe verlassen"),
    ("de", "member", "{} ist über den Einladungslink dieser Gruppe beigetreten"),
    ("de", "group", "{} hat den Betreff von {} zu {} geändert"),
    ("de", "group", "{} hat das Gruppenbild geändert"),
    ("de", "security", "Deine Sicherheitsnummer für {} hat sich geändert…"),
    ("de", "disappearing", "{} hat selbstlöschende Nachrichten aktiviert…"),
    ("de", "disappearing", "{} hat selbstlöschende Nachrichten deaktiviert…"),
    ("de", "call", "Verpasster Sprachanruf"), ("de", "call", "Verpasster Videoanruf"),
    ("de", "waiting", "Warten auf diese Nachricht…"),
    ("de", "other", "…Tippe, um mehr zu erfahren"),
    # Spanish
    ("es", "encryption", "Los mensajes y las llamadas están cifrados de extremo a extremo…"),
    ("es", "group", "{} creó el grupo {}"), ("es", "group", "Creaste el grupo {}"),
    ("es", "member", "{} añadió a {}"), ("es", "member", "Añadiste a {}"),
    ("es", "member", "{} agregó a {}"), ("es", "member", "{} eliminó a {}"),
    ("es", "member", "{} salió del grupo"), ("es", "member", "{} abandonó el grupo"),
    ("es", "member", "{} se unió usando el enlace de invitación de este grupo"),
    ("es", "group", "{} cambió el asunto de {} a {}"), ("es", "group", "{} cambió el ícono de este grupo"),
    ("es", "security", "Tu código de seguridad con {} cambió…"),
    ("es", "security", "El código de seguridad de {} cambió…"),
    ("es", "disappearing", "{} activó los mensajes temporales…"),
    ("es", "call", "Llamada perdida"), ("es", "call", "Videollamada perdida"),
    ("es", "waiting", "Esperando este mensaje…"),
    ("es", "other", "…Toca para obtener más información"),
    # French
    ("fr", "encryption", "Les messages et les appels sont chiffrés de bout en bout…"),
    ("fr", "group", "{} a créé le groupe {}"), ("fr", "group", "Vous avez créé le groupe {}"),
    ("fr", "member", "{} a ajouté {}"), ("fr", "member", "Vous avez ajouté {}"),
    ("fr", "member", "{} a retiré {}"), ("fr", "member", "{} est parti"),
    ("fr", "member", "{} est parti(e)"), ("fr", "member", "{} a quitté le groupe"),
    ("fr", "member", "{} a rejoint ce groupe via le lien d'invitation"),
    ("fr", "group", "{} a modifié le sujet de {} à {}"),
    ("fr", "security", "Votre code de sécurité avec {} a changé…"),
    ("fr", "disappearing", "{} a activé les messages éphémères…"),
    ("fr", "call", "Appel vocal manqué"), ("fr", "call", "Appel vidéo manqué"),
    ("fr", "waiting", "En attente de ce message…"),
    ("fr", "other", "…Appuyez pour en savoir plus"),
    # Italian
    ("it", "encryption", "I messaggi e le chiamate sono crittografati end-to-end…"),
    ("it", "group", "{} ha creato il gruppo {}"), ("it", "group", "Hai creato il gruppo {}"),
    ("it", "member", "{} ha aggiunto {}"), ("it", "member", "Hai aggiunto {}"),
    ("it", "member", "{} ha rimosso {}"), ("it", "member", "{} è uscito"),
    ("it", "member", "{} è uscito/a"), ("it", "member", "{} ha abbandonato"),
    ("it", "member", "{} si è unito tramite il link d'invito a questo gruppo"),
    ("it", "group", "{} ha cambiato l'oggetto da {} a {}"),
    ("it", "security", "Il tuo codice di sicurezza con {} è cambiato…"),
    ("it", "disappearing", "{} ha attivato i messaggi effimeri…"),
    ("it", "call", "Chiamata vocale persa"), ("it", "call", "Videochiamata persa"),
    ("it", "waiting", "In attesa di questo messaggio…"),
    ("it", "other", "…Tocca per saperne di più"),
    # Portuguese
    ("pt", "encryption", "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta…"),
    ("pt", "encryption", "As mensagens e chamadas são protegidas com criptografia de ponta a ponta…"),
    ("pt", "encryption", "As mensagens e as chamadas estão encriptadas de ponta a ponta…"),
    ("pt", "group", "{} criou o grupo {}"), ("pt", "group", "Você criou o grupo {}"),
    ("pt", "member", "{} adicionou {}"), ("pt", "member", "Você adicionou {}"),
    ("pt", "member", "{} removeu {}"), ("pt", "member", "{} saiu"),
    ("pt", "member", "{} entrou usando o link de convite deste grupo"),
    ("pt", "group", "{} mudou o assunto de {} para {}"),
    ("pt", "security", "Seu código de segurança com {} mudou…"),
    ("pt", "disappearing", "{} ativou as mensagens temporárias…"),
    ("pt", "call", "Chamada de voz perdida"), ("pt", "call", "Chamada de vídeo perdida"),
    ("pt", "waiting", "Aguardando mensagem…"),
    ("pt", "other", "…Toque para saber mais"),
    # Russian
    ("ru", "encryption", "Сообщения и звонки защищены сквозным шифрованием…"),
    ("ru", "group", "{} создал(-а) группу {}"), ("ru", "group", "Вы создали группу {}"),
    ("ru", "member", "{} добавил(-а) {}"), ("ru", "member", "Вы добавили {}"),
    ("ru", "member", "{} удалил(-а) {}"), ("ru", "member", "{} вышел(-шла)"),
    ("ru", "member", "{} покинул(-а) группу"),
    ("ru", "member", "{} присоединился(-ась) по ссылке-приглашению этой группы"),
    ("ru", "group", "{} изменил(-а) тему с {} на {}"),
    ("ru", "security", "Ваш код безопасности для {} изменился…"),
    ("ru", "disappearing", "{} включил(-а) исчезающие сообщения…"),
    ("ru", "call", "Пропущенный аудиозвонок"), ("ru", "call", "Пропущенный видеозвонок"),
    ("ru", "waiting", "Ожидание сообщения…"),
    ("ru", "other", "…Нажмите, чтобы узнать подробнее"),
    # Czech
    ("cs", "encryption", "Zprávy a hovory jsou koncově šifrované…"),
    ("cs", "group", "{} vytvořil(a) skupinu {}"), ("cs", "group", "Vytvořili jste skupinu {}"),
    ("cs", "member", "{} přidal(a) {}"), ("cs", "member", "{} odebral(a) {}"),
    ("cs", "member", "{} odešel/odešla"), ("cs", "member", "{} opustil(a) skupinu"),
    ("cs", "security", "Váš bezpečnostní kód s {} se změnil…"),
    ("cs", "call", "Zmeškaný hlasový hovor"), ("cs", "call", "Zmeškaný videohovor"),
    ("cs", "other", "…Klepnutím zobrazíte další informace"),
    # Turkish
    ("tr", "encryption", "Mesajlar ve aramalar uçtan uca şifrelidir…"),
    ("tr", "group", "{} {} grubunu oluşturdu"), ("tr", "group", "{} grubunu oluşturdunuz"),
    ("tr", "member", "{} {} kişisini ekledi"), ("tr", "member", "{} kişisini eklediniz"),
    ("tr", "member", "{} {} kişisini çıkardı"), ("tr", "member", "{} ayrıldı"),
    ("tr", "member", "{} bu grubun davet bağlantısıyla katıldı"),
    ("tr", "security", "{} ile güvenlik kodunuz değişti…"),
    ("tr", "call", "Cevapsız sesli arama"), ("tr", "call", "Cevapsız görüntülü arama"),
    ("tr", "other", "…Daha fazla bilgi için dokunun"),
    # Arabic
    ("ar", "encryption", "الرسائل والمكالمات مشفرة تمامًا بين الطرفين…"),
    ("ar", "encryption", "الرسائل والمكالمات مشفّرة تمامًا بين الطرفين…"),
    ("ar", "group", "{} أنشأ المجموعة {}"), ("ar", "group", "أنشأت المجموعة {}"),
    ("ar", "member", "{} أضاف {}"), ("ar", "member", "أضفت {}"), ("ar", "member", "{} أزال {}"),
    ("ar", "member", "{} غادر"), ("ar", "member", "{} غادر المجموعة"),
    ("ar", "member", "انضم {} باستخدام رابط الدعوة لهذه المجموعة"),
    ("ar", "group", "{} غيّر الموضوع من {} إلى {}"),
    ("ar", "security", "تغيّر رمز الأمان الخاص بك مع {}…"),
    ("ar", "security", "تغير رمز الأمان الخاص بك مع {}…"),
    ("ar", "disappearing", "{} قام بتشغيل الرسائل المؤقتة…"),
    ("ar", "call", "مكالمة صوتية فائتة"), ("ar", "call", "مكالمة فيديو فائتة"),
    ("ar", "waiting", "في انتظار هذه الرسالة…"),
    ("ar", "other", "…انقر لمعرفة المزيد"),
    # Persian
    ("fa", "encryption", "پیام‌ها و تماس‌ها رمزگذاری سرتاسری شده‌اند…"),
    ("fa", "encryption", "پیامها و تماسها رمزگذاری سرتاسری شده‌اند…"),
    ("fa", "group", "{} گروه {} را ایجاد کرد"), ("fa", "member", "{} {} را اضافه کرد"),
    ("fa", "member", "{} {} را حذف کرد"), ("fa", "member", "{} خارج شد"),
    ("fa", "member", "{} گروه را ترک کرد"),
    ("fa", "security", "کد امنیتی شما با {} تغییر کرد…"),
    ("fa", "call", "تماس صوتی بی‌پاسخ"), ("fa", "call", "تماس تصویری بی‌پاسخ"),
    ("fa", "other", "…برای اطلاعات بیشتر ضربه بزنید"),
    # Kurdish (Sorani, Kurmanji)
    ("ckb", "encryption", "نامە و پەیوەندییەکان کۆدکراون لە سەرەتاوە بۆ کۆتایی…"),
    ("ckb", "member", "{} {}ی زیاد کرد"), ("ckb", "member", "{} چووە دەرەوە"),
    ("ckb", "group", "{} گرووپی {} دروست کرد"),
    ("kmr", "encryption", "Peyam û bang ji dawiyê heta dawiyê şîfrekirî ne…"),
    ("kmr", "member", "{} {} lê zêde kir"), ("kmr", "member", "{} derket"),
    ("kmr", "group", "{} koma {} çêkir"),
    # Japanese
    ("ja", "encryption", "メッセージと通話はエンドツーエンドで暗号化されています…"),
    ("ja", "group", "{}がグループ「{}」を作成しました"), ("ja", "group", "グループ「{}」を作成しました"),
    ("ja", "member", "{}が{}を追加しました"), ("ja", "member", "{}を追加しました"),
    ("ja", "member", "{}が{}を削除しました"), ("ja", "member", "{}が退出しました"),
    ("ja", "member", "{}がこのグループの招待リンクから参加しました"),
    ("ja", "security", "{}とのセキュリティコードが変更されました…"),
    ("ja", "disappearing", "{}が消えるメッセージをオンにしました…"),
    ("ja", "call", "不在着信(音声)"), ("ja", "call", "不在着信(ビデオ)"),
    ("ja", "call", "不在着信（音声）"), ("ja", "call", "不在着信（ビデオ）"),
    ("ja", "other", "…タップして詳細を表示"),
    # Thai
    ("th", "encryption", "ข้อความและการโทรได้รับการเข้ารหัสจากต้นทางถึงปลายทาง…"),
    ("th", "group", "{} สร้างกลุ่ม {}"), ("th", "group", "คุณสร้างกลุ่ม {}"),
    ("th", "member", "{} เพิ่ม {}"), ("th", "member", "คุณเพิ่ม {}"),
    ("th", "member", "{} ลบ {}"), ("th", "member", "{} ออกจากกลุ่ม"), ("th", "member", "{} ออก"),
    ("th", "member", "{} เข้าร่วมโดยใช้ลิงก์เชิญของกลุ่มนี้"),
    ("th", "security", "รหัสความปลอดภัยของคุณกับ {} เปลี่ยนแปลงแล้ว…"),
    ("th", "call", "สายที่ไม่ได้รับ"), ("th", "call", "วิดีโอคอลที่ไม่ได้รับ"),
    ("th", "other", "…แตะเพื่อเรียนรู้เพิ่มเติม"),
    # Albanian
    ("sq", "encryption", "Mesazhet dhe thirrjet janë të enkriptuara skaj-më-skaj…"),
    ("sq", "group", "{} krijoi grupin {}"), ("sq", "group", "Ti krijove grupin {}"),
    ("sq", "member", "{} shtoi {}"), ("sq", "member", "Ti shtove {}"),
    ("sq", "member", "{} hoqi {}"), ("sq", "member", "{} doli"), ("sq", "member", "{} u largua"),
    ("sq", "security", "Kodi yt i sigurisë me {} ndryshoi…"),
    ("sq", "call", "Thirrje zanore e humbur"), ("sq", "call", "Thirrje video e humbur"),
    ("sq", "other", "…Prek për të mësuar më shumë"),
    # Amharic
    ("am", "encryption", "መልዕክቶች እና ጥሪዎች ከጫፍ እስከ ጫፍ የተመሰጠሩ ናቸው…"),
    ("am", "group", "{} ቡድን {} ፈጥሯል"), ("am", "member", "{} {}ን አክሏል"),
    ("am", "member", "{} {}ን አስወግዷል"), ("am", "member", "{} ወጥቷል"),
    ("am", "security", "ከ{} ጋር ያለዎት የደህንነት ኮድ ተቀይሯል…"),
    ("am", "call", "ያመለጠ የድምፅ ጥሪ"), ("am", "call", "ያመለጠ የቪዲዮ ጥሪ"),
    # Tigrinya
    ("ti", "encryption", "መልእኽትታትን ጻውዒታትን ካብ ጫፍ ክሳብ ጫፍ ዝተመስጠሩ እዮም…"),
    ("ti", "group", "{} ጉጅለ {} ፈጢሩ"), ("ti", "member", "{} {} ወሲኹ"),
    ("ti", "member", "{} {} ኣውጺኡ"), ("ti", "member", "{} ወጺኡ"),
    ("ti", "security", "ምስ {} ዘለካ ናይ ድሕንነት ኮድ ተቐይሩ…"),
    ("ti", "call", "ዝተሰገረ ናይ ድምጺ ጻውዒት"),
    # Dutch, Indonesian (common in the same groups)
    ("nl", "encryption", "Berichten en gesprekken worden end-to-end versleuteld…"),
    ("nl", "member", "{} heeft {} toegevoegd"), ("nl", "member", "{} heeft de groep verlaten"),
    ("id", "encryption", "Pesan dan panggilan terenkripsi secara end-to-end…"),
    ("id", "member", "{} menambahkan {}"), ("id", "member", "{} keluar"),
]

# Notice kinds so distinctive they are recognised on iOS even without the leading mark and from
# any sender; the short ones ("{} left", "{} added {}") need the mark or the chat's own name.
STRONG_NOTICE_KINDS = frozenset(
    {"encryption", "security", "disappearing", "number", "waiting", "business", "blocked"}
)
# fmt: on
