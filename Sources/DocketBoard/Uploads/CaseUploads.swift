import DocketCore
import DocketYAML
import Foundation

/// Where uploads live in the workspace, and what becomes of them. A request's files arrive in
/// `uploads/.staging-<random>/` (removed on any failure); an accepted upload is moved, in one
/// rename, to `uploads/<case>/<what>/`, which the case's inputs or record then name as a folder,
/// exactly as `docket new --input materials_folder=DIR` or `record --materials DIR` would.
/// Steps copy from there into the case's documents, so the folder is kept (as the department's
/// own folder would be).
struct UploadArea: Sendable {
    let root: URL

    var folder: URL { root.appendingPathComponent("uploads", isDirectory: true) }

    /// A new staging folder's path (not created).
    func staging() -> URL {
        folder.appendingPathComponent(".staging-\(UUID().uuidString)", isDirectory: true)
    }

    /// Moves a staging folder to `uploads/<case>/<label>` (a fresh name each time), returning it.
    func keep(_ staging: URL, caseID: String, label: String) throws -> URL {
        let caseFolder = folder.appendingPathComponent(caseID, isDirectory: true)
        try FileManager.default.createDirectory(at: caseFolder, withIntermediateDirectories: true)
        var target = caseFolder.appendingPathComponent(label, isDirectory: true)
        var n = 2
        while FileManager.default.fileExists(atPath: target.path) {
            target = caseFolder.appendingPathComponent("\(label)-\(n)", isDirectory: true)
            n += 1
        }
        do {
            try FileManager.default.moveItem(at: staging, to: target)
        } catch {
            throw UploadError.io(error.localizedDescription)
        }
        return target
    }

    /// Removes a kept upload whose action was refused (best effort: it is only a copy).
    func discard(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
        let parent = url.deletingLastPathComponent()
        if (try? FileManager.default.contentsOfDirectory(atPath: parent.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: parent)
        }
    }
}

/// The new-case page and the corrected-materials upload, apart from HTTP.
struct CaseUploads: Sendable {
    let runner: Runner
    let area: UploadArea

    struct NewCaseView: Sendable {
        var title: String
        var workflow: String
        var workflowTitle: String
        var caseID: String
        var message: String?
        var busy = false
        var general: [String] = []
        var controls: [FormControl]
        var caseErrors: [String] = []
        var hasCaseErrors = false
        var csrf: String
        var maxFile: String
        var maxRequest: String
    }

    /// The form for a new case under `workflow` (a loaded workflow and its path).
    func newCaseView(_ workflow: Workflow, values: FormValues?, errors: FieldErrors = FieldErrors(), limits: UploadLimits,
                     fixed: [String: String] = [:], csrf: String) -> NewCaseView {
        // A first showing has the defaults, and the fields the account fixes (its department).
        let controls = SchemaForm(workflow.inputs).controls(values: values ?? FormValues(fixed.map { .init($0.key, $0.value) }), errors: errors)
        let caseErrors = errors["case"]
        return NewCaseView(title: "新規案件：\((workflow.title.isEmpty ? workflow.name : workflow.title))", workflow: workflow.name,
                           workflowTitle: (workflow.title.isEmpty ? workflow.name : workflow.title), caseID: values?["case"] ?? "",
                           general: errors.general, controls: controls, caseErrors: caseErrors, hasCaseErrors: !caseErrors.isEmpty,
                           csrf: csrf, maxFile: UploadError.size(limits.maxFileBytes), maxRequest: UploadError.size(limits.maxRequestBytes))
    }

    /// Opens the case from a received form: its folder inputs name the uploaded files' folders.
    /// On any refusal the uploads are removed and the problems returned by field.
    func open(_ form: UploadedForm, workflowPath: String, workflow: Workflow, by user: String) throws -> String {
        let values = form.fields
        guard let caseID = values.text("case") else {
            try? FileManager.default.removeItem(at: form.staging)
            var r = Refusal(status: 422, message: nil)
            r.diagnostics = [Diagnostic(file: "form", mark: nil, message: "'case' (案件番号) is missing: give the new case's id, for example 2022-c1")]
            throw r
        }
        guard CaseStore.isValidCaseID(caseID), !FileManager.default.fileExists(atPath: runner.store.folder(caseID).path) else {
            try? FileManager.default.removeItem(at: form.staging)
            throw CaseStore.isValidCaseID(caseID) ? CaseError.caseExists(caseID) : CaseError.invalidCaseID(caseID)
        }
        let kept = try area.keep(form.staging, caseID: caseID, label: "inputs")
        do {
            var signedIn = self.runner
            signedIn.user = user
            let (node, places) = try SchemaForm(workflow.inputs).node(from: values, files: Self.paths(of: form, keptIn: kept, schema: workflow.inputs))
            do {
                _ = try signedIn.open(caseID: caseID, workflowPath: workflowPath, inputs: node, source: "form")
            } catch {
                throw Refusal(error).placed(places)
            }
            if (try? FileManager.default.contentsOfDirectory(atPath: kept.path))?.isEmpty == true { area.discard(kept) }
            return caseID
        } catch {
            area.discard(kept)
            throw error
        }
    }

    /// The board's own paths for a received form's path fields, once its staging folder is
    /// kept at `kept`: a folder field names the folder of the files sent under it, a file
    /// field its one file. Fields nothing was sent under are left out (and so not given).
    static func paths(of form: UploadedForm, keptIn kept: URL, schema: Schema) -> [String: String] {
        var paths: [String: String] = [:]
        for (name, type) in SchemaForm.pathFields(schema, path: "") {
            guard let sent = form.files[name], !sent.isEmpty else { continue }
            let folder = kept.appendingPathComponent(name, isDirectory: true)
            switch type {
            case .file where sent.count == 1: paths[name] = folder.appendingPathComponent(sent[0]).path
            case .file: continue
            default: paths[name] = folder.path
            }
        }
        return paths
    }

    /// Records the uploaded files (field `files`) as the corrected materials of the waiting
    /// drafting step, as `docket record ID STEP --materials FOLDER --reason TEXT` does.
    func recordMaterials(_ id: String, form: UploadedForm, by user: String) throws -> String {
        let actions = CaseActions(runner: runner)
        let allowed = try actions.allowedActions(id)
        guard let step = allowed.materialsStep else {
            try? FileManager.default.removeItem(at: form.staging)
            throw CaseError.refused(caseID: id, allowed.whyNot(.supplyMaterials) ?? "no step is waiting for corrected materials")
        }
        guard form.files["files"]?.isEmpty == false else {
            try? FileManager.default.removeItem(at: form.staging)
            throw Refusal(status: 422, message: "ファイルが選ばれていません。修正した資料のファイルを選んでください。")
        }
        let kept = try area.keep(form.staging, caseID: id, label: "materials")
        do {
            var values = FormValues()
            if let reason = form.fields.text("reason") { values.append("reason", reason) }
            let schema = try CaseActions(runner: runner).recordSchema(id, step: step)
            let (node, _) = try SchemaForm(schema).node(from: values, files: ["materials": kept.appendingPathComponent("files").path])
            try CaseActions(runner: runner).record(id, step: step, values: node, source: "upload", by: user)
            return step
        } catch {
            area.discard(kept)
            throw error
        }
    }
}
