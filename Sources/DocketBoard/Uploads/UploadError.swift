import Foundation

/// Why an upload was refused, in words a department clerk can act on: what, which file, the
/// figure, what to do. Nothing of a refused upload is kept.
public enum UploadError: Error, Sendable, Equatable, CustomStringConvertible {
    case fileTooLarge(file: String, limit: Int64)
    case requestTooLarge(limit: Int64)
    case tooManyFiles(limit: Int)
    case badFileName(String, why: String)
    case duplicateFileName(String)
    case emptyFile(String)
    case malformed(String)
    case io(String)

    public var description: String {
        switch self {
        case .fileTooLarge(let file, let limit):
            return "ファイル「\(file)」は 1 ファイルの上限 \(Self.size(limit)) を超えています。分割するか圧縮して、もう一度送ってください（何も保存していません）。"
        case .requestTooLarge(let limit):
            return "送信の合計が上限 \(Self.size(limit)) を超えています。ファイルを何回かに分けて送ってください（何も保存していません）。"
        case .tooManyFiles(let limit):
            return "一度に送れるファイルは \(limit) 個までです。分けて送ってください（何も保存していません）。"
        case .badFileName(let name, let why):
            return "ファイル名「\(name)」は使えません：\(why)。名前を変えて、もう一度送ってください（何も保存していません）。"
        case .duplicateFileName(let name):
            return "同じ名前のファイル「\(name)」が 2 つあります。どちらかの名前を変えてください（何も保存していません）。"
        case .emptyFile(let name):
            return "ファイル「\(name)」は空です（0 バイト）。中身のあるファイルを選び直して、もう一度送ってください（何も保存していません）。"
        case .malformed(let why):
            return "送信された内容を読めませんでした（\(why)）。ページを開き直して、もう一度送ってください。"
        case .io(let why):
            return "アップロードを保存できませんでした（\(why)）。事務局に連絡してください。"
        }
    }

    /// The HTTP status the board answers with.
    public var status: Int {
        switch self {
        case .fileTooLarge, .requestTooLarge: return 413
        case .io: return 500
        default: return 422
        }
    }

    /// A byte count as people read it ("20 MB").
    static func size(_ bytes: Int64) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KB" }
        return "\(bytes) バイト"
    }
}

extension BoardSettings {
    /// The upload limits: `maxUploadBytes` a request, and a file at most 50 MB of it.
    var uploadLimits: UploadLimits {
        let request = Int64(maxUploadBytes)
        return UploadLimits(maxFileBytes: min(50 << 20, request), maxRequestBytes: request)
    }
}
