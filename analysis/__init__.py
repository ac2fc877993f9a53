"""Analysis code of the CRM study at China CITIC Bank Zhengzhou branch."""
