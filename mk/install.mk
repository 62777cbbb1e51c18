# install / uninstall / deb (issue 7 fills these in).
.PHONY: install uninstall deb
install: build ## Install binary, unit, example config and plugin (PREFIX, DESTDIR)
	@echo "install: not written yet" >&2; exit 1
uninstall: ## Remove what install put in place
	@echo "uninstall: not written yet" >&2; exit 1
deb: build ## Build a Debian package with dpkg-deb
	@echo "deb: not written yet" >&2; exit 1
