# print.mk — lets the lesson scripts ask the Makefile for a variable: make -f Makefile -f print.mk print-B32
print-%:
	@echo '$($*)'
