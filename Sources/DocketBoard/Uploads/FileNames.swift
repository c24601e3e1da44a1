import Foundation

/// The name an uploaded file is stored under: whatever the browser sent, reduced to one plain
/// file name inside the staging folder. Path parts (`../`, `C:\…\`) are dropped, Unicode is
/// normalised to NFC (a macOS browser sends 「が」 decomposed), control characters refuse the
/// name, as do dotfiles and names of "." or "..", and names over 255 bytes.
public enum FileNames {
    public static func sanitized(_ raw: String) throws(UploadError) -> String {
        let normalised = raw.precomposedStringWithCanonicalMapping
        let shown = String(normalised.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        if normalised.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format && $0.value == 0x202E }) {
            throw .badFileName(shown, why: "制御文字が含まれています")
        }
        // The last part after any '/' or '\': a browser may send a path, a forged request "../x".
        let base = normalised.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let name = base.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name == "." || name == ".." { throw .badFileName(shown, why: "ファイル名がありません") }
        if name.hasPrefix(".") { throw .badFileName(shown, why: "「.」で始まる名前（隠しファイル）は受け付けません") }
        if name.utf8.count > 255 { throw .badFileName(String(name.prefix(40)) + "…", why: "長すぎます（255 バイトまで）") }
        return name
    }
}
