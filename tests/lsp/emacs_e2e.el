;;; emacs_e2e.el --- run by test_emacs.py after the docs' eglot configuration (-l conf.el)  -*- lexical-binding: t -*-
;; Opens TARGET as a user would, lets eglot-ensure connect (it waits for the end of a command, which
;; batch mode never has: run post-command-hook once), waits for Flymake to hold the server's
;; diagnostics, and prints them as JSON lines: ["diagnostic", {"line":..,"col":..,"type":..,"text":..}].
(require 'json)
(find-file (getenv "TARGET"))
(princ (format "%s\n" (json-encode (list "mode" (symbol-name major-mode)))))
(run-hooks 'post-command-hook)
(let ((deadline (+ (float-time) 40)) diags)
  (while (and (< (float-time) deadline) (null diags))
    (accept-process-output nil 0.2)
    (when (bound-and-true-p flymake-mode) (flymake-start))
    (setq diags (and (fboundp 'flymake-diagnostics) (flymake-diagnostics))))
  (princ (format "%s\n" (json-encode (list "managed" (if (bound-and-true-p eglot--managed-mode) t :json-false)))))
  (dolist (d diags)
    (let ((beg (flymake-diagnostic-beg d)))
      (princ (format "%s\n" (json-encode
                             (list "diagnostic"
                                   (list (cons "line" (line-number-at-pos beg))
                                         (cons "col" (save-excursion (goto-char beg) (current-column)))
                                         (cons "type" (symbol-name (flymake-diagnostic-type d)))
                                         (cons "text" (flymake-diagnostic-text d)))))))))))
(when (and (fboundp 'eglot-current-server) (eglot-current-server))
  (eglot-shutdown (eglot-current-server)))
