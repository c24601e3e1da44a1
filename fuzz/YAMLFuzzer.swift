// libFuzzer entry point for the YAML loader (built by fuzz/libfuzzer.sh, not by SwiftPM).
// Any input must load or be refused with a DiagnosticsError; anything else traps.
import DocketYAML

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        _ = try YAMLLoader().loadSingleDocument(bytes, file: "fuzz.yaml")
    } catch let e as DiagnosticsError {
        precondition(!e.diagnostics.isEmpty, "an empty refusal")
        precondition(!e.description.contains("\u{1B}"), "a control character reached a message")
    } catch {
        preconditionFailure("not a diagnostic: \(error)")
    }
    return 0
}
